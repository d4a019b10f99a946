// The Hub client's fetch wrapper honours Retry-After: it waits as long as the server says, and
// hands a wait of many minutes (the Hub's hourly commit limit) back at once instead of retrying
// into the same refusal.
import { describe, expect, it } from 'vitest';
import { retryingFetch } from '../../src/core/hub/retry-fetch.ts';

function stub(responses: (() => Response)[]) {
  const calls: number[] = [];
  const base = (async () => {
    calls.push(Date.now());
    return responses[Math.min(calls.length - 1, responses.length - 1)]!();
  }) as unknown as typeof fetch;
  return { base, calls };
}

describe('retryingFetch and Retry-After', () => {
  it('waits the Retry-After a 429 gives, not less, then succeeds', async () => {
    const s = stub([() => new Response('slow down', { status: 429, headers: { 'Retry-After': '1' } }), () => new Response('ok')]);
    const delays: number[] = [];
    const f = retryingFetch(s.base, { baseDelayMs: 5, onRetry: (r) => delays.push(r.delayMs) });
    const res = await f('https://hub.example/api/x', { method: 'POST' });
    expect(await res.text()).toBe('ok');
    expect(delays).toEqual([1000]);
    expect(s.calls[1]! - s.calls[0]!).toBeGreaterThanOrEqual(990);
  });

  it("hands back at once a 429 whose Retry-After is longer than the most it waits, with the server's message", async () => {
    const s = stub([() => new Response('You have exceeded our hourly quotas for action: commit (128 per hour). You can retry this action in 43 minutes', { status: 429, headers: { 'Retry-After': '2580' } })]);
    const retried: string[] = [];
    const f = retryingFetch(s.base, { baseDelayMs: 5, onRetry: (r) => retried.push(r.reason) });
    const res = await f('https://hub.example/api/models/a/b/commit/main', { method: 'POST' });
    expect(res.status).toBe(429);
    expect(await res.text()).toMatch(/retry this action in 43 minutes/);
    expect(s.calls).toHaveLength(1);
    expect(retried).toEqual([]);
  });

  it('without Retry-After, backs off exponentially as before', async () => {
    const s = stub([() => new Response('', { status: 503 }), () => new Response('', { status: 503 }), () => new Response('ok')]);
    const delays: number[] = [];
    await retryingFetch(s.base, { baseDelayMs: 3, onRetry: (r) => delays.push(r.delayMs) })('https://hub.example/x');
    expect(delays).toEqual([3, 6]);
  });
});
