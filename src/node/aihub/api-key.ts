// Where the AIHub API key comes from: --apikey, else AIHUB_APIKEY in the environment, else a
// `.env` file in the working folder. The key itself is never printed; only its source is.
import { join } from 'node:path';
import { readEnvFile } from '../env-file.ts';

export interface ResolvedSetting {
  value: string | undefined;
  source: 'flag' | 'environment' | '.env' | 'config' | 'none';
}

export function resolveSetting(
  name: string,
  flag: string | undefined,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; fallback?: string } = {},
): ResolvedSetting {
  if (flag) return { value: flag, source: 'flag' };
  const env = opts.env ?? process.env;
  if (env[name]) return { value: env[name], source: 'environment' };
  const file = readEnvFile(join(opts.cwd ?? process.cwd(), '.env'));
  if (file[name]) return { value: file[name], source: '.env' };
  if (opts.fallback) return { value: opts.fallback, source: 'config' };
  return { value: undefined, source: 'none' };
}

export function resolveApiKey(flag: string | undefined, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ResolvedSetting {
  return resolveSetting('AIHUB_APIKEY', flag, opts);
}

export function resolveBaseUrl(flag: string | undefined, configUrl: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  return resolveSetting('AIHUB_BASE_URL', flag, { ...opts, fallback: configUrl }).value!;
}
