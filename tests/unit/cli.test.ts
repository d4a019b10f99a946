import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';

describe('saturi command line', () => {
  it('lists its subcommands in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: saturi/);
    expect(r.stdout).toMatch(/labels/);
  });

  it('prints the labels in their fixed order', async () => {
    const r = await runCli(['labels']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split('\t')[1])).toEqual([
      'Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do',
    ]);
  });

  it('stops quietly when the reader of its output goes away (saturi labels | head -1)', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'saturi.js'), 'labels'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before anything is written: every write is EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(141); // as a tool killed by SIGPIPE
  });

  it('rejects an unknown subcommand with a non-zero exit', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
