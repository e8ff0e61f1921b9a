import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { ArticleDetails, CancelArticle, JobById, RetryArticle } from './support/operations.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

describe.each(availableBackends())('retries, failures, cancel and retry on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: mock.openaiBaseUrl,
        // Every step on one provider, so a scripted fault hits whichever step asks first.
        LLM_ROUTE_SENTIMENT: 'openai:gpt-4o-mini',
        JOB_MAX_ATTEMPTS: '3',
        JOB_BACKOFF_BASE_MS: '100',
        JOB_BACKOFF_MAX_MS: '2000',
        LLM_TIMEOUT_MIN_MS: '500',
        LLM_TIMEOUT_MAX_MS: '500',
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });
  beforeEach(() => {
    mock.reset();
    mock.setLatency(0);
  });

  const details = async (id: string) => (await gql(sys.url, ArticleDetails, { id })).article!;

  it('waits out a 429 for its Retry-After, gives the attempt back and re-runs only the step that failed', async () => {
    mock.script([{ status: 429, retryAfterSec: 1 }]);
    const { articleId } = await submit(sys.url);
    const events = await awaitSettled(sys.url, articleId);
    const retrying = events.find((e) => e.type === 'RETRYING')!;
    expect(retrying.error).toMatch(/429/);
    const completed = events.at(-1)!;
    expect(completed.type).toBe('COMPLETED');
    const article = await details(articleId);
    expect(article.job).toMatchObject({ state: 'SUCCEEDED', attempt: 1 });
    expect(article.llmCalls).toHaveLength(3);
    expect(mock.stats().requests).toBe(4);
    expect(mock.stats().byStatus).toEqual({ 200: 3, 429: 1 });
  });

  it('retries 5xx with backoff, then marks the article FAILED with a readable error, and retryArticle finishes it', async () => {
    mock.script([{ status: 500, times: 1_000 }]);
    const { articleId, jobId } = await submit(sys.url);
    const events = await awaitSettled(sys.url, articleId);
    expect(events.filter((e) => e.type === 'RETRYING')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'FAILED', article: { status: 'FAILED' }, job: { state: 'FAILED' } });
    const failed = await details(articleId);
    expect(failed.error).toMatch(/openai 500.*gave up after 3 attempts/);
    expect(failed.job).toMatchObject({ id: jobId, state: 'FAILED', attempt: 3, errorKind: 'server' });
    expect(failed.job!.steps.map((s) => s.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(failed.llmCalls).toHaveLength(0);
    // term is fire-and-forget: the server drops the message a moment later.
    await expect
      .poll(async () => (await sys.system.infra.queue.stats()).reduce((n, s) => n + s.pending + s.inFlight, 0), {
        timeout: 5_000,
      })
      .toBe(0);

    mock.reset();
    const { retryArticle } = await gql(sys.url, RetryArticle, { id: articleId });
    expect(retryArticle).toMatchObject({
      __typename: 'RetryArticlePayload',
      article: { status: 'PENDING' },
      job: { state: 'QUEUED' },
    });
    if (retryArticle.__typename !== 'RetryArticlePayload') return;
    expect(retryArticle.job.id).not.toBe(jobId);
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED');
    const done = await details(articleId);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      error: null,
      job: { id: retryArticle.job.id, state: 'SUCCEEDED', attempt: 1 },
    });
    expect(done.llmCalls).toHaveLength(3);
  });

  it('aborts a hanging call at its timeout and retries it', async () => {
    mock.script([{ hang: true, times: 3 }]);
    const { articleId } = await submit(sys.url);
    const events = await awaitSettled(sys.url, articleId);
    expect(events.find((e) => e.type === 'RETRYING')!.error).toMatch(/timed out/);
    expect(events.at(-1)!.type).toBe('COMPLETED');
    expect((await details(articleId)).job).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
  });

  it('fails a permanent error (400, 401) at once, keeping the steps that succeeded', async () => {
    for (const status of [400, 401]) {
      mock.reset();
      mock.script([{ status }]);
      const { articleId } = await submit(sys.url);
      const events = await awaitSettled(sys.url, articleId);
      expect(events.some((e) => e.type === 'RETRYING')).toBe(false);
      const article = await details(articleId);
      expect(article).toMatchObject({
        status: 'FAILED',
        job: { state: 'FAILED', attempt: 1, errorKind: status === 400 ? 'bad_request' : 'auth' },
      });
      expect(article.error).toMatch(new RegExp(`openai ${status}`));
      // The two steps that got answers are booked and kept: a retry would not pay for them again.
      expect(article.llmCalls).toHaveLength(2);
    }
  });

  it('cancels a running job, aborting its LLM calls, and retries it afterwards', async () => {
    mock.setLatency(10_000);
    const { articleId, jobId } = await submit(sys.url);
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'STARTED');
    const { cancelArticle } = await gql(sys.url, CancelArticle, { id: articleId });
    expect(cancelArticle).toMatchObject({ __typename: 'CancelArticlePayload', article: { id: articleId, status: 'CANCELLED' } });
    const events = await awaitSettled(sys.url, articleId);
    expect(events.at(-1)).toMatchObject({ type: 'CANCELLED', job: { id: jobId, state: 'CANCELLED' } });
    // The worker aborts the three in-flight HTTP calls; the mock sees the connections close.
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(0);
    const cancelled = await details(articleId);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', job: { state: 'CANCELLED' } });
    expect(cancelled.llmCalls).toHaveLength(0);

    mock.setLatency(0);
    const { retryArticle } = await gql(sys.url, RetryArticle, { id: articleId });
    expect(retryArticle.__typename).toBe('RetryArticlePayload');
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED');
    expect((await details(articleId)).status).toBe('COMPLETED');
  });

  it('cancels a queued job before any worker runs it: never started, no attempt, no call', async () => {
    // One job slot, taken by a slow article: the second one really waits in the queue.
    const single = await startTestSystem(backend, { env: { ...mockLlmEnv(mock), WORKER_CONCURRENCY: '1' } });
    try {
      mock.setLatency(3_000);
      const { articleId: busy } = await submit(single.url);
      await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBe(3);
      const { articleId, jobId } = await submit(single.url);
      const { cancelArticle } = await gql(single.url, CancelArticle, { id: articleId });
      expect(cancelArticle.__typename).toBe('CancelArticlePayload');
      const events = await awaitSettled(single.url, articleId);
      expect(events.map((e) => e.type).filter((t) => t !== 'SNAPSHOT')).toEqual(['QUEUED', 'CANCELLED']);
      expect((await gql(single.url, JobById, { id: jobId })).job).toMatchObject({ state: 'CANCELLED', attempt: 0 });
      expect(mock.stats().requests).toBe(3); // the busy article's three steps, nothing for the cancelled one
      await gql(single.url, CancelArticle, { id: busy });
    } finally {
      await single.stop();
    }
  });

  it('answers retry and cancel on unknown ids and wrong states with typed errors', async () => {
    const { articleId } = await submit(sys.url);
    await awaitSettled(sys.url, articleId);
    expect((await gql(sys.url, RetryArticle, { id: articleId })).retryArticle).toMatchObject({
      __typename: 'InvalidStateError',
      message: expect.stringMatching(/is COMPLETED; only FAILED or CANCELLED/),
    });
    expect((await gql(sys.url, CancelArticle, { id: articleId })).cancelArticle).toMatchObject({
      __typename: 'InvalidStateError',
    });
    expect((await gql(sys.url, RetryArticle, { id: '987654' })).retryArticle).toMatchObject({
      __typename: 'NotFoundError',
      message: 'Article 987654 not found',
    });
    expect((await gql(sys.url, CancelArticle, { id: 'abc' })).cancelArticle).toMatchObject({ __typename: 'NotFoundError' });
  });
});
