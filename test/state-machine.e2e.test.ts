import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { ArticleDetails, CancelArticle, RetryArticle } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';
import { mockLlmEnv } from './support/mock-llm.js';

// Summary and keywords on OpenAI, sentiment on Anthropic (the default routing with both keys), so a
// scripted Anthropic fault fails exactly one step while the other two store their results.
describe.each(availableBackends())('retrying after partial results on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        ...mockLlmEnv(mock),
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });
  beforeEach(() => mock.reset());

  const details = async (id: string) => (await gql(sys.url, ArticleDetails, { id })).article!;
  const steps = (job: { steps: { name: string; state: string; model: string | null; cached: boolean }[] } | null | undefined) =>
    Object.fromEntries((job?.steps ?? []).map((s) => [s.name, { state: s.state, model: s.model, cached: s.cached }]));

  it('settles every step of the retry job: SUCCEEDED with all steps DONE, progress 1, only the failed step paid again', async () => {
    mock.script([{ status: 400, provider: 'anthropic' }]);
    const { articleId, jobId } = await submit(sys.url);
    expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('FAILED');
    const failed = await details(articleId);
    expect(failed).toMatchObject({ status: 'FAILED', job: { id: jobId, state: 'FAILED', errorKind: 'bad_request' } });
    expect(failed.job!.progress).toBeCloseTo(2 / 3);
    expect(steps(failed.job)).toEqual({
      SUMMARY: { state: 'DONE', model: 'gpt-4o-mini', cached: false },
      KEYWORDS: { state: 'DONE', model: 'gpt-4o-mini', cached: false },
      SENTIMENT: { state: 'FAILED', model: null, cached: false },
    });

    const { retryArticle } = await gql(sys.url, RetryArticle, { id: articleId });
    if (retryArticle.__typename !== 'RetryArticlePayload') throw new Error(retryArticle.__typename);
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED' && e.job?.id === retryArticle.job.id);
    const done = await details(articleId);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      error: null,
      job: { id: retryArticle.job.id, state: 'SUCCEEDED', progress: 1 },
    });
    // The steps done before carry their original model; only sentiment ran in the retry.
    expect(steps(done.job)).toEqual({
      SUMMARY: { state: 'DONE', model: 'gpt-4o-mini', cached: false },
      KEYWORDS: { state: 'DONE', model: 'gpt-4o-mini', cached: false },
      SENTIMENT: { state: 'DONE', model: 'claude-3-5-haiku-latest', cached: false },
    });
    expect(done.llmCalls.map((c) => c.step).sort()).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
    expect(mock.stats().byProvider).toEqual({ openai: 2, anthropic: 2 });
  });

  it('after a cancel mid-run, the cancelled job shows its open step CANCELLED and the retry finishes only that step', async () => {
    // Sentiment hangs; summary and keywords store their results before the cancel.
    mock.script([{ hang: true, provider: 'anthropic' }]);
    const { articleId, jobId } = await submit(sys.url);
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'STEP_COMPLETED' && e.progress > 0.6);
    const { cancelArticle } = await gql(sys.url, CancelArticle, { id: articleId });
    expect(cancelArticle).toMatchObject({ __typename: 'CancelArticlePayload', article: { status: 'CANCELLED' } });
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(0);
    const cancelled = await details(articleId);
    expect(cancelled.job).toMatchObject({ id: jobId, state: 'CANCELLED', errorKind: 'cancelled' });
    expect(steps(cancelled.job)).toMatchObject({
      SUMMARY: { state: 'DONE' },
      KEYWORDS: { state: 'DONE' },
      SENTIMENT: { state: 'CANCELLED' },
    });

    const { retryArticle } = await gql(sys.url, RetryArticle, { id: articleId });
    if (retryArticle.__typename !== 'RetryArticlePayload') throw new Error(retryArticle.__typename);
    await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED' && e.job?.id === retryArticle.job.id);
    const done = await details(articleId);
    expect(done.job).toMatchObject({ id: retryArticle.job.id, state: 'SUCCEEDED', progress: 1, attempt: 1 });
    expect(Object.values(steps(done.job)).map((s) => s.state)).toEqual(['DONE', 'DONE', 'DONE']);
    expect(done.llmCalls).toHaveLength(3);
    expect(mock.stats().byProvider).toEqual({ openai: 2, anthropic: 2 });
  });
});
