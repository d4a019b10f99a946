// The 3 s rule of aihub.md, shared by every corpus's segmenting rules and the cut step: one
// comparison and one way to word a rejected length.

/**
 * `seconds < minSeconds`, compared in whole microseconds: label times are decimal
 * (1.1 → 4.1 is 2.9999999999999996 in floating point) and a segment labelled
 * exactly as long as the limit must pass it.
 */
export function shorterThan(seconds: number, minSeconds: number): boolean {
  return Math.round(seconds * 1e6) < Math.round(minSeconds * 1e6);
}

/** The `too_short` detail: enough decimals that a rejected length never reads as the limit itself. */
export function tooShortDetail(seconds: number, minSeconds: number): string {
  for (let digits = 3; digits <= 6; digits++) {
    const text = seconds.toFixed(digits);
    if (Number(text) < minSeconds) return `${text} s`;
  }
  return `${seconds} s`;
}
