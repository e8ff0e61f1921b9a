import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobProcessor, type JobContext, type JobProcessor } from '../src/articles/job-processor.js';
import { createLogger } from '../src/lib/logger.js';
import { sampleArticle } from './support/articles.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// The step that stores an article's last missing result also completes the job, in the same
// statement. These cases drive the job processor directly (no worker), on the local model.
describe.each(availableBackends())('job completion on %s services', (backend) => {
  let sys: TestSystem;
  let processor: JobProcessor;
  beforeAll(async () => {
    sys = await startTestSystem(backend, { roles: { api: true, worker: false } });
    const { db, bus, llm } = sys.system.infra;
    processor = createJobProcessor({ db, bus, llm, log: createLogger('silent', {}), workerId: 'test' });
  });
  afterAll(() => sys.stop());

  async function started(): Promise<JobContext> {
    const [submitted] = await sys.system.articles.submit([sampleArticle()], { id: null });
    const begun = await processor.begin(submitted!.job.id);
    if (begun.kind !== 'run') throw new Error(`job did not start: ${begun.kind}`);
    return begun.ctx;
  }

  const events = (articleId: number) =>
    sys.system.infra.db
      .selectFrom('article_events')
      .select(['seq', 'type'])
      .where('article_id', '=', articleId)
      .orderBy('seq')
      .execute();
  const jobState = async (jobId: string) =>
    await sys.system.infra.db
      .selectFrom('jobs')
      .select(['state', 'finished_at'])
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();

  it('completes the job with the statement of the last step: one COMPLETED event, seqs without gaps', async () => {
    const ctx = await started();
    expect(await processor.runSteps(ctx, new AbortController().signal)).toBe(true);
    expect(await processor.complete(ctx)).toBe(false); // nothing left for it to do

    const article = await sys.system.infra.db
      .selectFrom('articles')
      .select(['status', 'processed_at', 'event_seq'])
      .where('id', '=', ctx.article.id)
      .executeTakeFirstOrThrow();
    expect(article).toMatchObject({ status: 'COMPLETED', event_seq: 6 });
    expect(article.processed_at).toBeInstanceOf(Date);
    expect(await jobState(ctx.job.id)).toMatchObject({ state: 'SUCCEEDED', finished_at: expect.any(Date) });
    expect(await events(ctx.article.id)).toEqual([
      { seq: 1, type: 'QUEUED' },
      { seq: 2, type: 'STARTED' },
      { seq: 3, type: 'STEP_COMPLETED' },
      { seq: 4, type: 'STEP_COMPLETED' },
      { seq: 5, type: 'STEP_COMPLETED' },
      { seq: 6, type: 'COMPLETED' },
    ]);
  });

  it('does not complete an article cancelled while its last step ran', async () => {
    const ctx = await started();
    // Two results were stored by earlier statements; then the article is cancelled.
    await sys.system.infra.db
      .updateTable('articles')
      .set({ summary: 'Stored earlier.', keywords: ['earlier'] })
      .where('id', '=', ctx.article.id)
      .execute();
    await sys.system.articles.cancel(ctx.article.id);

    // ctx still shows all three steps pending: two find their column written, the third stores.
    expect(await processor.runSteps(ctx, new AbortController().signal)).toBe(false);
    expect(await processor.complete(ctx)).toBe(false);

    const article = await sys.system.infra.db
      .selectFrom('articles')
      .select(['status', 'sentiment', 'processed_at'])
      .where('id', '=', ctx.article.id)
      .executeTakeFirstOrThrow();
    expect(article.status).toBe('CANCELLED');
    expect(article.sentiment).not.toBeNull();
    expect(article.processed_at).toBeNull();
    expect((await jobState(ctx.job.id)).state).toBe('CANCELLED');
    expect((await events(ctx.article.id)).map((e) => e.type)).toEqual(['QUEUED', 'STARTED', 'CANCELLED', 'STEP_COMPLETED']);
  });
});
