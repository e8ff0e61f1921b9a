import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { MemoryWorkQueue } from '../src/queue/memory.queue.js';
import type { Delivery } from '../src/queue/work-queue.js';
import { createJobDispatcher } from '../src/workers/job-dispatcher.js';

describe('job dispatcher', () => {
  it('never runs a job twice at once here: a redelivery while it runs waits for that run, then settles it', async () => {
    // An ack wait shorter than the heartbeat (at least 250 ms): the running job's lease lapses, as
    // it would for a worker whose event loop stalled, and the queue delivers the job again.
    const queue = new MemoryWorkQueue({ namespace: 't', ackWaitMs: 100, maxDeliver: 10 });
    const runs: { jobId: string; deliveryCount: number; concurrent: number }[] = [];
    let active = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = createJobDispatcher({
      queue,
      log: createLogger('silent'),
      options: { concurrency: 4, ackWaitMs: 100, agingMs: 1_000, shutdownGraceMs: 1_000 },
      run: async (delivery: Delivery) => {
        runs.push({ jobId: delivery.message!.jobId, deliveryCount: delivery.deliveryCount, concurrent: ++active });
        if (runs.length === 1) await released;
        active--;
        await delivery.ack();
      },
    });
    dispatcher.start();
    await queue.publish({ jobId: 'job-1', articleId: 1, priority: 'NORMAL' });
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    // The lease lapses and the job comes back; the dispatcher has fetched it again (nothing ready)
    // and holds it instead of running it.
    await vi.waitFor(
      async () =>
        expect((await queue.stats()).find((s) => s.priority === 'NORMAL')).toMatchObject({ pending: 0, redelivered: 1 }),
      { timeout: 2_000 },
    );
    expect(runs).toHaveLength(1);
    release();
    await vi.waitFor(() => expect(runs.length).toBeGreaterThanOrEqual(2));
    expect(runs.every((r) => r.jobId === 'job-1' && r.concurrent === 1)).toBe(true);
    expect(runs[1]!.deliveryCount).toBeGreaterThan(1);
    await dispatcher.stop();
    await queue.stop();
  });
});
