import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETED_RUN, sampleArticle, submit, isLogged } from './support/articles.js';
import { gql, sseSubscribe, wsSubscribe } from './support/graphql-client.js';
import { ArticleDetails, ArticleEvents, JobById, SubmitArticle } from './support/operations.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { startPgBouncer, type PgBouncer } from './support/pgbouncer.js';
import { availableBackends, hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

/** Each backend, and real PostgreSQL through a PgBouncer in transaction mode (no prepared statements). */
const paths = [
  ...availableBackends().map((backend) => ({ name: backend, backend, bouncer: false })),
  ...(hasRealServices() ? [{ name: 'real (through PgBouncer)', backend: 'real' as const, bouncer: true }] : []),
];

describe.each(paths)('the user path on $name services (offline local provider)', ({ backend, bouncer }) => {
  let sys: TestSystem;
  let environment: TestEnvironment | undefined;
  let pgBouncer: PgBouncer | undefined;
  beforeAll(async () => {
    if (!bouncer) return void (sys = await startTestSystem(backend));
    environment = await createTestEnvironment(backend);
    pgBouncer = await startPgBouncer(environment.env.DATABASE_URL!);
    sys = await startTestSystem(backend, {
      environment,
      env: { DATABASE_URL: pgBouncer.url, DATABASE_PREPARED_STATEMENTS: 'false' },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await pgBouncer?.stop();
    await environment?.cleanup();
  });

  it('answers a submission at once with the article and job ids, PENDING and QUEUED', async () => {
    const { submitArticle } = await gql(sys.url, SubmitArticle, { input: sampleArticle({ priority: 'HIGH' }) });
    expect(submitArticle).toMatchObject({
      __typename: 'SubmitArticlePayload',
      article: { id: expect.stringMatching(/^\d+$/), status: 'PENDING', priority: 'HIGH' },
      job: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), state: 'QUEUED' },
    });
  });

  it('logs QUEUED, STARTED, three STEP_COMPLETED and COMPLETED, replayed in order from afterSeq 0', async () => {
    const { articleId } = await submit(sys.url);
    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    try {
      const events = await sub.events.until((e) => e.articleEvents.type === 'COMPLETED');
      const logged = events.map((e) => e.articleEvents).filter((e) => isLogged(e.type));
      expect(logged.map((e) => e.type)).toEqual(COMPLETED_RUN);
      expect(logged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(new Set(logged.filter((e) => e.type === 'STEP_COMPLETED').map((e) => e.step))).toEqual(
        new Set(['SUMMARY', 'KEYWORDS', 'SENTIMENT']),
      );
      expect(logged.map((e) => e.progress)).toEqual([0, 0, expect.closeTo(1 / 3), expect.closeTo(2 / 3), 1, 1]);
      const done = logged.at(-1)!;
      expect(done.article).toMatchObject({ status: 'COMPLETED', sentiment: 'POSITIVE' });
      expect(done.article.summary).toContain('record profits');
      expect(done.article.keywords).toContain('profits');
      expect(done.job).toMatchObject({ state: 'SUCCEEDED' });
    } finally {
      await sub.close();
    }
  });

  it('gives a subscriber that arrives after completion the final SNAPSHOT', async () => {
    const { articleId } = await submit(sys.url);
    const watcher = await wsSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    await watcher.events.until((e) => e.articleEvents.type === 'COMPLETED');
    await watcher.close();

    const late = await wsSubscribe(sys.url, ArticleEvents, { id: articleId });
    try {
      const snapshot = (await late.events.next()).articleEvents;
      expect(snapshot).toMatchObject({
        type: 'SNAPSHOT',
        seq: 6,
        progress: 1,
        article: { status: 'COMPLETED' },
        job: { state: 'SUCCEEDED' },
      });
      expect(snapshot.article.summary).toBeTruthy();
    } finally {
      await late.close();
    }
  });

  it('shows the result, the job with its steps and one ledger row per step', async () => {
    const { articleId, jobId } = await submit(sys.url);
    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    await sub.events.until((e) => e.articleEvents.type === 'COMPLETED');
    await sub.close();

    const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
    expect(article).toMatchObject({
      id: articleId,
      status: 'COMPLETED',
      sentiment: 'POSITIVE',
      error: null,
      costUsd: 0,
      job: { id: jobId, state: 'SUCCEEDED', attempt: 1, progress: 1, error: null },
    });
    expect(article!.processedAt).not.toBeNull();
    expect(article!.job!.steps.map((s) => s.state)).toEqual(['DONE', 'DONE', 'DONE']);
    expect(article!.llmCalls).toHaveLength(3);
    for (const call of article!.llmCalls) {
      expect(call).toMatchObject({ provider: 'local', model: 'local-extractive-v1', costUsd: 0, cached: false });
      expect(call.inputTokens).toBeGreaterThan(0);
      expect(call.outputTokens).toBeGreaterThan(0);
    }
    const { job } = await gql(sys.url, JobById, { id: jobId });
    expect(job).toMatchObject({ id: jobId, state: 'SUCCEEDED', article: { id: articleId, status: 'COMPLETED' } });
  });

  it('streams the same events over server-sent events', async () => {
    const { articleId } = await submit(sys.url);
    const sub = await sseSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    try {
      const events = await sub.events.until((e) => e.articleEvents.type === 'COMPLETED');
      expect(events[0]!.articleEvents.type).toBe('QUEUED');
      expect(events.at(-1)!.articleEvents.article.status).toBe('COMPLETED');
    } finally {
      await sub.close();
    }
  });

  it('answers null for unknown and malformed ids', async () => {
    expect((await gql(sys.url, ArticleDetails, { id: '999999' })).article).toBeNull();
    expect((await gql(sys.url, ArticleDetails, { id: 'not-a-number' })).article).toBeNull();
    expect((await gql(sys.url, JobById, { id: '00000000-0000-4000-8000-000000000000' })).job).toBeNull();
    expect((await gql(sys.url, JobById, { id: 'nope' })).job).toBeNull();
  });
});

describe.each(availableBackends())('a live subscription on %s services (1 s model)', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    // Slow enough that the subscription is in place long before the first step completes.
    mock = await startMockLlmServer({ latencyMs: 1_000 });
    sys = await startTestSystem(backend, { env: mockLlmEnv(mock) });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('starts with a SNAPSHOT of the running article and ends at COMPLETED without gaps', async () => {
    const { articleId } = await submit(sys.url);
    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId });
    try {
      const first = (await sub.events.next()).articleEvents;
      expect(first.type).toBe('SNAPSHOT');
      expect(first.article.status).not.toBe('COMPLETED');
      const rest = (await sub.events.until((e) => e.articleEvents.type === 'COMPLETED')).map((e) => e.articleEvents);
      const logged = rest.filter((e) => isLogged(e.type));
      // Every logged event after the snapshot's seq, each once, in order, up to COMPLETED (seq 6).
      expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 6 - first.seq }, (_, i) => first.seq + i + 1));
      expect(logged.filter((e) => e.type === 'STEP_COMPLETED')).toHaveLength(3);
      expect(logged.at(-1)!.article.status).toBe('COMPLETED');
    } finally {
      await sub.close();
    }
  });
});
