// Write the curves of runs as SVG, or PNG (the SVG rasterised by ffmpeg's librsvg decoder).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { checkOutputFile } from '../io/output-file.ts';
import { lastLine, runTool } from '../clip/external-tool.ts';
import { runCurvesSvg } from '../../core/plot/run-curves.ts';
import type { RunInfo } from './read-run.ts';

export async function writeRunPlot(runs: RunInfo[], out: string): Promise<void> {
  const ext = extname(out).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new UserError(`${out}: the plot is written as .svg or .png`);
  await checkOutputFile(out);
  const svg = runCurvesSvg(runs.map((r) => ({ name: r.name, log: r.log })));
  if (ext === '.svg') {
    await writeFile(out, svg);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'saturi-plot-'));
  try {
    const src = join(dir, 'curves.svg');
    await writeFile(src, svg);
    const r = await runTool('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', src, '-frames:v', '1', out]);
    if (r.code !== 0) throw new UserError(`${out}: could not rasterise the plot with ffmpeg (${lastLine(r.stderr)}); write .svg instead`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
