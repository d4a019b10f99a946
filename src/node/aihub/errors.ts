/**
 * An answer from AIHub that is not what was asked for (status, text body). `retryable` is false
 * for answers a retry cannot change: key refused, approval expired, bad request.
 */
export class AihubError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly serverMessage?: string,
  ) {
    super(message);
    this.name = 'AihubError';
  }
}

const HANGUL = /[\uac00-\ud7a3]/;

/** Text of an error body for people: tags removed, whitespace collapsed, bounded length. */
export function cleanServerMessage(body: string): string {
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 500 ? text.slice(0, 500) + '…' : text;
}

/**
 * Classifies a non-success answer. AIHub reports its own refusals (wrong key, approval period
 * expired) as a short Korean text body, the latter with status 502 — so a 5xx carrying a Korean
 * message is AIHub's final answer, while a 5xx without one (empty, HTML or English text from a
 * proxy or load balancer) is a transient failure worth retrying.
 */
export function httpAnswerError(status: number, body: string, what: string): AihubError {
  const msg = cleanServerMessage(body);
  const shown = msg || '(no message)';
  if (status === 401 || status === 403) {
    return new AihubError(`AIHub refused the request for ${what} (HTTP ${status}): ${shown}`, false, status, msg);
  }
  if (status >= 500 || status === 429 || status === 408) {
    const final = status >= 500 && HANGUL.test(msg);
    return new AihubError(`AIHub answered HTTP ${status} for ${what}: ${shown}`, !final, status, msg);
  }
  return new AihubError(`AIHub answered HTTP ${status} for ${what}: ${shown}`, false, status, msg);
}
