// A segment CSV saved as CP949 (경상 in its bytes), as a Korean Windows program writes it, and the
// check that a command refuses it naming the line and byte.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.ts';

export async function expectCp949CsvRefused(dir: string, args: (csv: string) => string[]): Promise<void> {
  const korean = join(dir, 'cp949.csv');
  writeFileSync(korean, Buffer.concat([Buffer.from('name,path,dialect\na,'), Buffer.from([0xb0, 0xe6, 0xbb, 0xf3]), Buffer.from('.wav,Jeju-do\n')]));
  const r = await runCli(args(korean));
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`${korean}: is not UTF-8 text (line 2, byte 20); save it as UTF-8`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
