// Clip boundaries as the user types them: plain seconds (`51`, `51.5`) or
// clock form `mm:ss(.ms)` / `hh:mm:ss(.ms)`, as shown by video players.

const SECONDS = /^\d+(?:\.\d+)?$/;
const CLOCK = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

/** Parse a time into seconds; returns null when the text is not a time. */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (SECONDS.test(t)) return Number(t);
  const m = CLOCK.exec(t);
  if (!m) return null;
  const hours = m[1] === undefined ? 0 : Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  // With an hours part (or without), minutes and seconds must be clock digits.
  if (seconds >= 60) return null;
  if (m[1] !== undefined && minutes >= 60) return null;
  return hours * 3600 + minutes * 60 + seconds;
}

/** Seconds as `m:ss.mmm` for messages. */
export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(3).padStart(6, '0')}`;
}
