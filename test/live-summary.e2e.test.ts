import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockFault, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { LONG_CONTENT, sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, ArticleFeed, LiveSummary, RetryArticle } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// A summary of this article is ~45 pieces: at 15 ms a piece it is written over ~700 ms.
const PIECE_MS = 15;

describe.each(availableBackends())('live summary on %s services', (backend) => {
  let mock: MockLlmServer;
  const systems: TestSystem[] = [];
  beforeAll(async () => {
    mock = await startMockLlmServer();
    mock.setStreamPieceDelay(PIECE_MS);
  });
  afterAll(async () => {
    for (const sys of systems) await sys.stop();
    await mock.stop();
  });

  /**
   * An article whose summary is still to be written, watched by a subscriber before it is: the
   * first job fails at the summary (400), the subscriber joins, and `retryArticle` runs it again.
   * Workers stream only the summaries of articles someone watches.
   */
  async function watchedRetry(sys: TestSystem, laterFaults: MockFault[] = []) {
    mock.script([{ task: 'summary', status: 400 }, ...laterFaults]);
    const { articleId } = await submit(sys.url, sampleArticle({ content: LONG_CONTENT }));
    expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('FAILED');
    const sub = await wsSubscribe(sys.url, LiveSummary, { id: articleId });
    await sub.events.until((e) => e.articleEvents.type === 'SNAPSHOT');
    const { retryArticle } = await gql(sys.url, RetryArticle, { id: articleId });
    expect(retryArticle.__typename).toBe('RetryArticlePayload');
    try {
      const events = await sub.events.until((e) => ['COMPLETED', 'FAILED'].includes(e.articleEvents.type), 30_000);
      return { articleId, events: events.map((e) => e.articleEvents) };
    } finally {
      await sub.close();
    }
  }

  it.each([
    ['openai', 'openai:gpt-4o-mini'],
    ['anthropic', 'anthropic:claude-3-5-haiku-latest'],
  ])(
    'streams the summary from %s as SUMMARY_DELTA events, at most one per 50 ms, that add up to the stored summary',
    async (_provider, route) => {
      const sys = await startTestSystem(backend, { env: { ...mockLlmEnv(mock), LLM_ROUTE_SUMMARY: route } });
      systems.push(sys);
      const feed = await wsSubscribe(sys.url, ArticleFeed, {});
      const { articleId, events } = await watchedRetry(sys);
      const deltas = events.filter((e) => e.type === 'SUMMARY_DELTA');
      const final = events.at(-1)!;
      expect(final.type).toBe('COMPLETED');
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.every((d) => d.step === 'SUMMARY' && d.job!.attempt === 1)).toBe(true);
      expect(deltas.map((d) => d.delta).join('')).toBe(final.article.summary);
      // Coalesced: stamped by the worker as it published them, never two within 50 ms.
      const at = deltas.map((d) => Date.parse(d.at as string));
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(45);

      // The feed of every article carries its changes, not its text as it is written.
      const fed = await feed.events.until((e) => e.articleFeed.type === 'COMPLETED');
      await feed.close();
      expect(fed.some((e) => e.articleFeed.type === 'STEP_COMPLETED')).toBe(true);
      expect(fed.some((e) => e.articleFeed.type === 'SUMMARY_DELTA')).toBe(false);

      // The streamed call is booked with its real usage, never at $0.
      const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
      const summaryCall = article!.llmCalls.find((c) => c.step === 'SUMMARY')!;
      expect(summaryCall.outputTokens).toBeGreaterThan(10);
      expect(summaryCall.costUsd).toBeGreaterThan(0);
    },
  );

  it('does not stream a summary nobody watches', async () => {
    const sys = await startTestSystem(backend, { env: mockLlmEnv(mock) });
    systems.push(sys);
    // Waits on the feed of every article, which watches no article in particular.
    const feed = await wsSubscribe(sys.url, ArticleFeed, {});
    mock.reset();
    const { articleId } = await submit(sys.url, sampleArticle({ content: LONG_CONTENT }));
    await feed.events.until((e) => e.articleFeed.article.id === articleId && e.articleFeed.type === 'COMPLETED');
    await feed.close();
    expect(mock.stats()).toMatchObject({ requests: 3, streamed: 0 });
  });

  it('restarts the text cleanly when the stream breaks and the step is retried: deltas carry the attempt', async () => {
    const sys = await startTestSystem(backend, {
      env: { ...mockLlmEnv(mock), JOB_BACKOFF_BASE_MS: '10', JOB_BACKOFF_MAX_MS: '20' },
    });
    systems.push(sys);
    // The retried job's stream (the first streamed request) breaks after eight pieces.
    const { events } = await watchedRetry(sys, [{ task: 'summary', cutStreamAfterPieces: 8 }]);
    expect(events.at(-1)!.type).toBe('COMPLETED');
    const summary = events.at(-1)!.article.summary!;
    const text = (attempt: number) =>
      events
        .filter((e) => e.type === 'SUMMARY_DELTA' && e.job!.attempt === attempt)
        .map((e) => e.delta)
        .join('');
    expect(events.some((e) => e.type === 'RETRYING')).toBe(true);
    expect(text(1).length).toBeGreaterThan(0);
    expect(summary.startsWith(text(1))).toBe(true);
    expect(text(1).length).toBeLessThan(summary.length);
    expect(text(2)).toBe(summary);
  });
});
