import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('clip')
    .description('cut a time range of a video/audio file or URL (via yt-dlp) into a 16-bit 16 kHz mono WAV')
    .argument('<url-or-file>', 'media file (anything ffmpeg reads) or a URL yt-dlp understands')
    .requiredOption('--start <time>', 'start: seconds (51, 51.5) or mm:ss(.ms) / hh:mm:ss(.ms)')
    .requiredOption('--end <time>', 'end, same forms as --start')
    .requiredOption('--out <file>', 'output WAV file')
    .action(async (source: string, opts: { start: string; end: string; out: string }) => {
      const { UserError } = await import('../errors.ts');
      const { parseTime } = await import('../../clip/parse-time.ts');
      const { clipMedia } = await import('../../clip/media-clip.ts');
      const start = parseTime(opts.start);
      if (start === null) throw new UserError(`--start: "${opts.start}" is not a time (seconds like 51.5, or mm:ss(.ms) / hh:mm:ss(.ms))`);
      const end = parseTime(opts.end);
      if (end === null) throw new UserError(`--end: "${opts.end}" is not a time (seconds like 74, or mm:ss(.ms) / hh:mm:ss(.ms))`);
      const r = await clipMedia({ source, start, end, out: opts.out });
      process.stdout.write(`${r.out}: ${r.samples} samples (${(r.samples / r.sampleRate).toFixed(3)} s, 16 kHz mono 16-bit) from ${source} [${start}–${end} s]\n`);
    });
}
