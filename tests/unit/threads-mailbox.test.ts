// Mailbox: worker messages by key, whichever comes first (the message or the ask), and a
// failure that reaches every asker.
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../src/node/threads/mailbox.ts';

describe('Mailbox', () => {
  it('hands a message to its asker whether it arrives before or after the ask, once', async () => {
    const box = new Mailbox<string>();
    box.deliver('a', 'early');
    const late = box.take('b');
    box.deliver('b', 'late');
    expect(await box.take('a')).toBe('early');
    expect(await late).toBe('late');
    let taken = false;
    void box.take('a').then(() => (taken = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(taken).toBe(false); // 'a' was taken already: the next ask waits for a new one
  });

  it('fails pending and later asks with the first failure, but still hands out what arrived before', async () => {
    const box = new Mailbox<number>();
    box.deliver('kept', 1);
    const pending = box.take('x');
    box.fail(new Error('worker exited with code 1'));
    box.fail(new Error('second'));
    await expect(pending).rejects.toThrow('worker exited with code 1');
    await expect(box.take('y')).rejects.toThrow('worker exited with code 1');
    expect(await box.take('kept')).toBe(1);
  });
});
