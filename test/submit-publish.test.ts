import { OPEN_VIEWER } from '../src/access/viewer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticleService } from '../src/articles/article.service.js';
import { createOutboxCleaner } from '../src/articles/outbox.relay.js';
import { createLogger } from '../src/lib/logger.js';
import type { JobMessage, WorkQueue } from '../src/queue/work-queue.js';
import { sampleArticle } from './support/articles.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// Submit answers once the article, its job and the outbox row have committed; the queue publish
// runs after that. These cases hold the publish back to show the answer does not wait for it.
describe.each(availableBackends())('submit and the queue publish on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(backend, { roles: { api: true, worker: false } });
  });
  afterAll(() => sys.stop());

  /** The system's queue, with every publish held until `open()`. */
  function gatedQueue() {
    const queue = sys.system.infra.queue;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const published: string[] = [];
    const gated: WorkQueue = {
      kind: queue.kind,
      start: () => queue.start(),
      publish: async (message: JobMessage) => {
        await gate;
        await queue.publish(message);
        published.push(message.jobId);
      },
      fetch: (priority, options) => queue.fetch(priority, options),
      stats: () => queue.stats(),
      stop: () => queue.stop(),
    };
    return { gated, open, published };
  }

  function serviceOn(queue: WorkQueue) {
    const { db, bus } = sys.system.infra;
    const log = createLogger('silent', {});
    const outbox = createOutboxCleaner({ db, log, intervalMs: 10 });
    return {
      outbox,
      service: createArticleService({
        db,
        queue,
        bus,
        log,
        outbox,
        maxContentChars: 10_000,
        maxAttempts: 3,
        maxBatchItems: 10,
        idempotencyTtlMs: 60_000,
      }),
    };
  }

  const outboxRowsOf = (jobId: string) =>
    sys.system.infra.db
      .selectFrom('outbox')
      .select('id')
      .where(({ ref }) => ref('payload', '->>').key('jobId'), '=', jobId)
      .execute();

  it('answers once the commit is durable, before the queue publish completes; the outbox row goes once published', async () => {
    const { gated, open, published } = gatedQueue();
    const { service, outbox } = serviceOn(gated);

    const [submitted] = await service.submit([sampleArticle()], OPEN_VIEWER);
    expect(submitted!.job.state).toBe('QUEUED');
    expect(published).toEqual([]); // the publish is still held
    expect(await outboxRowsOf(submitted!.job.id)).toHaveLength(1); // so the relay could publish it

    open();
    await service.stop(); // waits for the publish in flight
    expect(published).toEqual([submitted!.job.id]);
    await outbox.stop(); // deletes what was published
    expect(await outboxRowsOf(submitted!.job.id)).toEqual([]);
  });

  it('keeps the outbox row for the relay when the background publish fails', async () => {
    const { gated } = gatedQueue();
    const failing: WorkQueue = { ...gated, publish: () => Promise.reject(new Error('queue unreachable')) };
    const { service, outbox } = serviceOn(failing);

    const [submitted] = await service.submit([sampleArticle()], OPEN_VIEWER);
    await service.stop();
    await outbox.stop();
    expect(await outboxRowsOf(submitted!.job.id)).toHaveLength(1);
  });
});
