// Integer command-line flags: one check and one error wording for every subcommand.
import { UserError } from './errors.ts';

/** `value` as an integer of at least `min` (0 or 1); else a UserError naming the flag. */
export function intFlag(value: string, flag: string, min: 0 | 1 = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}

/** intFlag as a commander option parser. */
export function intOption(flag: string, min: 0 | 1 = 1): (value: string) => number {
  return (value) => intFlag(value, flag, min);
}
