import { OPEN_VIEWER } from '../src/access/viewer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobProcessor, type JobContext, type JobProcessor } from '../src/articles/job-processor.js';
import { startJobs } from '../src/articles/sql/start-jobs.sql.js';
import { storeStepResults as storeRows, type StepResultRow as StepResult } from '../src/articles/sql/store-step-results.sql.js';
import { expireReservations, readBudget, reserveBudget, writeBudget } from '../src/articles/sql/budget.sql.js';
import type { Db } from '../src/db/database.js';
import { sql } from 'kysely';
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
    const [submitted] = await sys.system.articles.submit([sampleArticle()], OPEN_VIEWER);
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
    await sys.system.articles.cancel(ctx.article.id, OPEN_VIEWER);

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

  // The statement's rows, one per input in input order (undefined where nothing was stored).
  const storeStepResults = async (db: Db, results: StepResult[]) => {
    const rows = await storeRows(db, results);
    return results.map((r) => rows.find((row) => row.id === r.articleId && row.stored_step === r.step));
  };

  const stepResult = (ctx: JobContext, step: StepResult['step'], _field: string, value: string | string[]): StepResult => ({
    articleId: ctx.article.id,
    job: ctx.job,
    step,
    value,
    provider: 'local',
    model: 'test-model',
    promptVersion: 'v1',
    inputTokens: 10,
    outputTokens: 5,
    costUsd: 0.0015,
    latencyMs: 3,
    cached: false,
    savedUsd: 0,
  });

  const ledgerRows = async (articleId: number) =>
    (
      await sys.system.infra.db
        .selectFrom('llm_calls')
        .select(['step', 'input_tokens', 'cost_usd'])
        .where('article_id', '=', articleId)
        .orderBy('step')
        .execute()
    ).map((r) => ({ ...r, cost_usd: Number(r.cost_usd) }));

  it('books a reserved call as spend, also when its reservation expired before the call was booked', async () => {
    const { db } = sys.system.infra;
    await writeBudget(db, '*', 10);
    const [kept, expired] = [await started(), await started()];
    const reserve = (c: JobContext) => ({
      scopes: ['*'],
      usd: 0.5,
      force: false,
      jobId: c.job.id,
      step: 'SUMMARY',
      ttlMs: 60_000,
    });
    const [a, b] = (await reserveBudget(db, [reserve(kept), reserve(expired)])) as { id: number }[];
    expect(await readBudget(db, '*')).toMatchObject({ spent_usd: 0, reserved_usd: 1 });
    // A call that waited longer than its reservation's lease (for a rate limit): the sweep drops it.
    await sql`update budget_reservations set expires_at = now() - interval '1 second' where id = ${b!.id}`.execute(db);
    expect(await expireReservations(db)).toBe(1);

    await storeStepResults(db, [
      { ...stepResult(kept, 'SUMMARY', 'summary', 'Kept.'), reservation: { id: a!.id, scopes: ['*'] } },
      { ...stepResult(expired, 'SUMMARY', 'summary', 'Expired.'), reservation: { id: b!.id, scopes: ['*'] } },
    ]);
    const budget = await readBudget(db, '*');
    expect(budget.spent_usd).toBeCloseTo(2 * 0.0015, 10);
    expect(budget.reserved_usd).toBeCloseTo(0, 10);
    await writeBudget(db, '*', null);
  });

  it('stores the step results of several jobs in one statement, each with its own events and ledger row', async () => {
    const ctxs = [await started(), await started(), await started()];
    const result = stepResult;
    const { db } = sys.system.infra;
    const summaries = await storeStepResults(
      db,
      ctxs.map((c) => result(c, 'SUMMARY', 'summary', `Summary of ${c.article.id}.`)),
    );
    expect(summaries.map((r) => r && Number(r.id))).toEqual(ctxs.map((c) => c.article.id));
    expect(summaries.every((r) => r?.completed_payload === null)).toBe(true);
    await storeStepResults(
      db,
      ctxs.map((c) => result(c, 'KEYWORDS', 'keywords', ['profits', `k${c.article.id}`])),
    );
    // The first article's sentiment is stored by another delivery before this batch.
    await db.updateTable('articles').set({ sentiment: 'NEUTRAL' }).where('id', '=', ctxs[0]!.article.id).execute();
    const last = await storeStepResults(
      db,
      ctxs.map((c) => result(c, 'SENTIMENT', 'sentiment', 'POSITIVE')),
    );

    expect(last[0]).toBeUndefined(); // its column was written: nothing booked, nothing completed
    for (const [i, ctx] of ctxs.entries()) {
      const article = await db
        .selectFrom('articles')
        .select(['status', 'summary', 'keywords', 'sentiment'])
        .where('id', '=', ctx.article.id)
        .executeTakeFirstOrThrow();
      expect(article).toEqual({
        status: i === 0 ? 'PROCESSING' : 'COMPLETED',
        summary: `Summary of ${ctx.article.id}.`,
        keywords: ['profits', `k${ctx.article.id}`],
        sentiment: i === 0 ? 'NEUTRAL' : 'POSITIVE',
      });
      const steps = i === 0 ? ['KEYWORDS', 'SUMMARY'] : ['KEYWORDS', 'SENTIMENT', 'SUMMARY'];
      expect(await ledgerRows(ctx.article.id)).toEqual(steps.map((step) => ({ step, input_tokens: 10, cost_usd: 0.0015 })));
      expect((await jobState(ctx.job.id)).state).toBe(i === 0 ? 'RUNNING' : 'SUCCEEDED');
      expect((await events(ctx.article.id)).map((e) => `${e.seq} ${e.type}`)).toEqual([
        '1 QUEUED',
        '2 STARTED',
        '3 STEP_COMPLETED',
        '4 STEP_COMPLETED',
        ...(i === 0 ? [] : ['5 STEP_COMPLETED', '6 COMPLETED']),
      ]);
    }
    // The COMPLETED event carries the job as it is now, SUCCEEDED.
    const completed = JSON.parse(last[1]!.completed_payload!) as { type: string; job: { state: string; id: string } };
    expect(completed).toMatchObject({ type: 'COMPLETED', job: { state: 'SUCCEEDED', id: ctxs[1]!.job.id } });
  });

  it('stores the steps of one article that arrive together in one statement: events in input order, then COMPLETED', async () => {
    const [fresh, partly] = [await started(), await started()];
    const { db } = sys.system.infra;
    // The second article's keywords were stored by an earlier delivery.
    await db
      .updateTable('articles')
      .set({ keywords: ['earlier'] })
      .where('id', '=', partly.article.id)
      .execute();
    const stored = await storeStepResults(db, [
      stepResult(fresh, 'SENTIMENT', 'sentiment', 'POSITIVE'),
      stepResult(partly, 'KEYWORDS', 'keywords', ['again']),
      stepResult(fresh, 'SUMMARY', 'summary', 'Fresh summary.'),
      stepResult(partly, 'SUMMARY', 'summary', 'Partly summary.'),
      stepResult(fresh, 'KEYWORDS', 'keywords', ['fresh']),
    ]);

    expect(stored[1]).toBeUndefined(); // its column was written: nothing booked
    // Payloads come back as JSON text, published as they are.
    const payloads = stored.map((row) => row && (JSON.parse(row.payload) as { seq: number; step: string; progress: number }));
    expect(payloads.map((p) => p && [p.seq, p.step, Math.round(p.progress * 3)])).toEqual([
      [3, 'SENTIMENT', 1],
      undefined,
      [4, 'SUMMARY', 2],
      [3, 'SUMMARY', 2],
      [5, 'KEYWORDS', 3],
    ]);
    // Only the fresh article's last result carries the COMPLETED event.
    expect(
      stored.map((row) => (row?.completed_payload ? (JSON.parse(row.completed_payload) as { type: string }).type : null)),
    ).toEqual([null, null, null, null, 'COMPLETED']);
    expect((await events(fresh.article.id)).map((e) => `${e.seq} ${e.type}`)).toEqual([
      '1 QUEUED',
      '2 STARTED',
      '3 STEP_COMPLETED',
      '4 STEP_COMPLETED',
      '5 STEP_COMPLETED',
      '6 COMPLETED',
    ]);
    expect((await jobState(fresh.job.id)).state).toBe('SUCCEEDED');
    expect((await ledgerRows(fresh.article.id)).map((r) => r.step)).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
    const partlyRow = await db
      .selectFrom('articles')
      .select(['status', 'summary', 'keywords', 'sentiment'])
      .where('id', '=', partly.article.id)
      .executeTakeFirstOrThrow();
    expect(partlyRow).toEqual({ status: 'PROCESSING', summary: 'Partly summary.', keywords: ['earlier'], sentiment: null });
    expect((await ledgerRows(partly.article.id)).map((r) => r.step)).toEqual(['SUMMARY']);
    expect((await jobState(partly.job.id)).state).toBe('RUNNING');
  });

  it('runs many jobs at once: each completes once, with gap-free events and one ledger row per step', async () => {
    const ctxs = await Promise.all(Array.from({ length: 8 }, () => started()));
    const outcomes = await Promise.all(ctxs.map((ctx) => processor.runSteps(ctx, new AbortController().signal)));
    expect(outcomes).toEqual(ctxs.map(() => true));
    for (const ctx of ctxs) {
      expect((await events(ctx.article.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await ledgerRows(ctx.article.id)).map((r) => r.step)).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
      expect((await jobState(ctx.job.id)).state).toBe('SUCCEEDED');
    }
  });

  it('starts several jobs in one statement, leaving out those that are finished or unknown', async () => {
    const [a, b, done] = await sys.system.articles.submit([sampleArticle(), sampleArticle(), sampleArticle()], OPEN_VIEWER);
    const { db } = sys.system.infra;
    await db.updateTable('jobs').set({ state: 'SUCCEEDED' }).where('id', '=', done!.job.id).execute();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const ids = [a!.job.id, unknown, done!.job.id, b!.job.id];
    const rows = await startJobs(db, 'w1', ids);
    expect(ids.map((id) => rows.find((r) => r.started_job_id === id)?.id)).toEqual([
      a!.article.id,
      undefined,
      undefined,
      b!.article.id,
    ]);
    for (const submitted of [a!, b!]) {
      expect(await jobState(submitted.job.id)).toMatchObject({ state: 'RUNNING' });
      const article = await db
        .selectFrom('articles')
        .select(['status', 'event_seq'])
        .where('id', '=', submitted.article.id)
        .executeTakeFirstOrThrow();
      expect(article).toEqual({ status: 'PROCESSING', event_seq: 2 });
      expect((await events(submitted.article.id)).map((e) => `${e.seq} ${e.type}`)).toEqual(['1 QUEUED', '2 STARTED']);
      const steps = await db
        .selectFrom('job_steps')
        .select(['step', 'state'])
        .where('job_id', '=', submitted.job.id)
        .orderBy('step')
        .execute();
      expect(steps).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY'].map((step) => ({ step, state: 'RUNNING' })));
    }
    const job = await db
      .selectFrom('jobs')
      .select(['attempt', 'worker_id'])
      .where('id', '=', a!.job.id)
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ attempt: 1, worker_id: 'w1' });
    expect((await events(done!.article.id)).map((e) => e.type)).toEqual(['QUEUED']);
    // Through the processor, the finished job is settled without running.
    expect(await processor.begin(done!.job.id)).toEqual({ kind: 'settled', reason: 'job already SUCCEEDED' });
  });
});
