// Runs ffmpeg / ffprobe / yt-dlp as child processes. A missing program becomes
// a UserError that says how to install it, instead of a bare ENOENT.
import { spawn } from 'node:child_process';
import { UserError } from '../cli/errors.ts';

export const INSTALL_HINTS: Record<string, string> = {
  ffmpeg: 'install it with `apt-get install ffmpeg` (Debian/Ubuntu) or from https://ffmpeg.org/download.html',
  ffprobe: 'it comes with ffmpeg: install it with `apt-get install ffmpeg` (Debian/Ubuntu)',
  'yt-dlp': 'install it with `apt-get install yt-dlp` (Debian/Ubuntu) or `pip install yt-dlp`',
};

export class MissingToolError extends UserError {
  constructor(readonly tool: string) {
    super(`${tool} was not found on PATH; ${INSTALL_HINTS[tool] ?? `install ${tool}`}`);
  }
}

export interface ToolResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run a program to completion, collecting stdout (bytes) and stderr (text). */
export function runTool(tool: string, args: string[], opts: { cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      // Keep only the tail: ffmpeg can be chatty, and the end holds the reason.
      err = (err + d.toString('utf8')).slice(-8000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new MissingToolError(tool) : e);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** The last meaningful line of a tool's stderr, for error messages. */
export function lastLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? 'no message';
}
