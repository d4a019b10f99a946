// The Hub token: --token, else HF_TOKEN in the environment, else HF_TOKEN in
// ./.env. Never printed: messages only say where the token came from.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ResolvedToken {
  token: string | null;
  source: '--token' | 'HF_TOKEN' | '.env' | null;
}

/** `KEY=value` lines, `#` comments, optional `export `, single or double quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]!] = v;
  }
  return out;
}

export async function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<ResolvedToken> {
  if (flag) return { token: flag, source: '--token' };
  // HUGGING_FACE_HUB_TOKEN: huggingface_hub's older name for the same variable.
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return { token: fromEnv, source: 'HF_TOKEN' };
  const text = await readFile(join(cwd, '.env'), 'utf8').catch(() => null);
  const v = text === null ? undefined : parseDotEnv(text).HF_TOKEN;
  return v ? { token: v, source: '.env' } : { token: null, source: null };
}

/** Remove any occurrence of the token from text that is about to be shown. */
export function redact(text: string, token: string | null): string {
  return token ? text.split(token).join('hf_***') : text;
}
