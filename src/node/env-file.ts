// A tiny `.env` reader on Node's own parser (util.parseEnv, Node >= 20.12): KEY=VALUE lines,
// comments, quotes, `export` prefixes. Nothing is copied into process.env.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** The variables of an env file, or an empty object when the file does not exist. */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  // parseEnv does not strip `export ` prefixes, which shell-style .env files often have.
  // A BOM (Notepad's UTF-8) would become part of the first key's name.
  const cleaned = text.replace(/^\uFEFF/, '').replace(/^\s*export\s+/gm, '');
  const parsed = parseEnv(cleaned) as Record<string, string | undefined>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (v !== undefined) out[k] = v;
  return out;
}
