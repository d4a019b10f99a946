// Shared frame of the `saturi hub` commands: resolve the token, turn Hub and
// token errors into user errors, and make sure no message ever shows the token.
import { HubApiError, hubErrorText, withoutQueryStrings } from '../../core/hub/hub-error.ts';
import { UserError } from '../cli/errors.ts';
import { RepoNameError, TokenError, checkToken } from '../../core/hub/repo-id.ts';
import { HeadFilesError } from '../../core/hub/head-summary.ts';
import type { HubTarget } from '../../core/hub/commit-files.ts';
import { redact, resolveToken } from './token.ts';

export async function run(
  opts: { token?: string; hubUrl?: string },
  body: (target: Omit<HubTarget, 'repo' | 'type'>, log: (line: string) => void) => Promise<void>,
): Promise<void> {
  const { token, source } = await resolveToken(opts.token);
  const hubUrl = opts.hubUrl?.replace(/\/+$/, '');
  const log = (line: string) => process.stderr.write(redact(line, token) + '\n');
  try {
    const accessToken = checkToken(token);
    log(`using the Hugging Face token from ${source}`);
    await body(
      {
        accessToken,
        hubUrl,
        retry: {
          baseDelayMs: Number(process.env.SATURI_HUB_RETRY_DELAY_MS ?? 1000),
          onRetry: (r) => log(`  retrying ${r.method} ${r.url} after ${r.reason} (attempt ${r.attempt}, in ${r.delayMs} ms)`),
        },
      },
      log,
    );
  } catch (e) {
    if (e instanceof UserError) throw new UserError(redact(e.message, token), e.exitCode);
    if (e instanceof TokenError || e instanceof RepoNameError || e instanceof HeadFilesError) throw new UserError(redact(e.message, token));
    if (e instanceof HubApiError) throw new UserError(redact(hubErrorText(e, hubUrl), token), 1);
    const err = e as Error;
    throw new UserError(redact(withoutQueryStrings(`upload failed: ${err?.message ?? String(e)}`), token), 1);
  }
}
