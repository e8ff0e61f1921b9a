import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../src/lib/deadline.js';

const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

describe('withDeadline', () => {
  it('aborts the work after the deadline with a TimeoutError reason', async () => {
    const parent = new AbortController();
    const err = await withDeadline(parent.signal, 20, untilAborted).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError' });
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it("passes the parent's abort and its reason on", async () => {
    const parent = new AbortController();
    const work = withDeadline(parent.signal, 60_000, untilAborted);
    const reason = new Error('cancelled by request');
    parent.abort(reason);
    await expect(work).rejects.toBe(reason);
  });

  it('starts aborted under an aborted parent', async () => {
    const parent = new AbortController();
    parent.abort(new Error('shutting down'));
    await expect(withDeadline(parent.signal, 60_000, async (signal) => signal.aborted)).resolves.toBe(true);
  });

  it('releases its listener on the parent when the work succeeds', async () => {
    const parent = new AbortController();
    await expect(withDeadline(parent.signal, 60_000, async () => 'done')).resolves.toBe('done');
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});
