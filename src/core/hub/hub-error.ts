// What a failed Hub call says to the user: the Hub's (or the storage's) own reason, and no
// credentials. An LFS upload URL is a presigned storage URL whose query string carries them, and
// the hub client puts it in its messages.
import { HubApiError } from '@huggingface/hub';

/** `text` with every URL's query string and fragment cut (…?X-Amz-Signature=… → …?…). */
export function withoutQueryStrings(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#]+)[?#][^\s]*/g, '$1?…');
}

/**
 * "the Hub answered 403: <reason>" for a Hub client error. The storage's reason (its response
 * body) is added when the client left it out; the token hint only where the Hub itself refused.
 */
export function hubErrorText(e: HubApiError, hubUrl = 'https://huggingface.co'): string {
  const origin = (u: string) => {
    try {
      return new URL(u).origin;
    } catch {
      return '';
    }
  };
  const onHub = !e.url || origin(e.url) === origin(hubUrl);
  let text = withoutQueryStrings(e.message);
  const data = e.data as { message?: unknown } | undefined;
  const body = typeof data?.message === 'string' ? data.message.trim() : '';
  if (body && !text.includes(body)) text += ` (${onHub ? 'the Hub' : 'the storage'} said: ${withoutQueryStrings(body).slice(0, 300)})`;
  const hint = onHub && (e.statusCode === 401 || e.statusCode === 403) ? ' (check that the token is valid and has write access)' : '';
  return `the ${onHub ? 'Hub' : 'upload storage'} answered ${e.statusCode}: ${text}${hint}`;
}

export { HubApiError };
