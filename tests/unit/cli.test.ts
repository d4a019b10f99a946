import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

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

  it('rejects an unknown subcommand with a non-zero exit', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
