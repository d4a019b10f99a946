import { describe, expect, it } from 'vitest';
import { planTotal, type PlannedFile } from '../../src/browser/services/download-plan.ts';

const file = (size: number | null, cached = false): PlannedFile => ({ file: 'f', url: 'u', size, cached });

describe('download plan total', () => {
  it('sums what is not cached, and says when a size is unknown instead of counting it as 0', () => {
    expect(planTotal([file(100), file(50, true), file(20)])).toEqual({ known: 120, complete: true });
    expect(planTotal([file(100), file(null)])).toEqual({ known: 100, complete: false });
    expect(planTotal([file(null), file(null)])).toEqual({ known: 0, complete: false });
    // An unknown size already cached costs nothing.
    expect(planTotal([file(null, true), file(7)])).toEqual({ known: 7, complete: true });
  });
});
