// A simulated full disk for tests: `node:fs/promises` whose file handles, for the paths chosen,
// write only `disk.free` more bytes, then fail like write(2) on a full disk (a short write with
// what fits, then ENOSPC). Used from a vi.mock factory:
//   vi.mock('node:fs/promises', async (orig) => (await import('../helpers/full-disk.ts')).fsWithFullDisk(await orig(), disk, match));
import type * as FsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export interface SimulatedDisk {
  /** Bytes that still fit; Infinity for a disk with space. */
  free: number;
}

export function fsWithFullDisk(fs: typeof FsPromises, disk: SimulatedDisk, onDisk: (path: string) => boolean): typeof FsPromises {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const open = (async (path: string, ...rest: unknown[]) => {
    const fh = await (fs.open as (...a: unknown[]) => Promise<FileHandle>)(path, ...rest);
    if (!onDisk(String(path))) return fh;
    const writev = async (buffers: Buffer[]) => {
      const all = Buffer.concat(buffers);
      if (all.length <= disk.free) {
        disk.free -= all.length;
        return fh.writev(buffers);
      }
      if (disk.free === 0) throw enospc();
      const n = disk.free;
      disk.free = 0;
      const { bytesWritten } = await fh.write(all.subarray(0, n));
      return { bytesWritten, buffers };
    };
    return new Proxy(fh, { get: (t, k) => (k === 'writev' ? writev : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)) });
  }) as typeof fs.open;
  return { ...fs, default: { ...fs, open }, open } as typeof FsPromises;
}
