import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, ArticleFeed, LiveSummary } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// A summary of the sample article is ~45 pieces: at 15 ms a piece it is written over ~700 ms.
const PIECE_MS = 15;
const LONG_CONTENT =
  'The company reported record profits this quarter, driven by strong demand in every region. ' +
  'Growth was strong across all divisions, and the new product line exceeded expectations by a wide margin. ' +
  'Analysts praise the results and expect further gains as the market continues to expand next year. ' +
  'Shares rise sharply on the news, reaching a level not seen since the company went public a decade ago.';

async function summaryEvents(url: string, articleId: string) {
  const sub = await wsSubscribe(url, LiveSummary, { id: articleId });
  try {
    const events = await sub.events.until((e) => ['COMPLETED', 'FAILED'].includes(e.articleEvents.type), 30_000);
    return events.map((e) => e.articleEvents);
  } finally {
    await sub.close();
  }
}

describe.each(availableBackends())('live summary on %s services', (backend) => {
  let mock: MockLlmServer;
  const systems: TestSystem[] = [];
  beforeAll(async () => {
    // The first piece comes after 300 ms: the test subscribes before the model starts writing
    // (deltas are not logged, so a subscriber sees those published after it joined).
    mock = await startMockLlmServer({ latencyMs: 300 });
    mock.setStreamPieceDelay(PIECE_MS);
  });
  afterAll(async () => {
    for (const sys of systems) await sys.stop();
    await mock.stop();
  });

  it.each([
    ['openai', 'openai:gpt-4o-mini'],
    ['anthropic', 'anthropic:claude-3-5-haiku-latest'],
  ])(
    'streams the summary from %s as SUMMARY_DELTA events, at most one per 50 ms, that add up to the stored summary',
    async (_provider, route) => {
      const sys = await startTestSystem(backend, { env: { ...mockLlmEnv(mock), LLM_ROUTE_SUMMARY: route } });
      systems.push(sys);
      const feed = await wsSubscribe(sys.url, ArticleFeed, {});
      const { articleId } = await submit(sys.url, sampleArticle({ content: LONG_CONTENT }));
      const events = await summaryEvents(sys.url, articleId);
      // The feed of every article carries its changes, not its text as it is written.
      const fed = await feed.events.until((e) => e.articleFeed.type === 'COMPLETED');
      await feed.close();
      expect(fed.some((e) => e.articleFeed.type === 'STEP_COMPLETED')).toBe(true);
      expect(fed.some((e) => e.articleFeed.type === 'SUMMARY_DELTA')).toBe(false);
      const deltas = events.filter((e) => e.type === 'SUMMARY_DELTA');
      const final = events.at(-1)!;
      expect(final.type).toBe('COMPLETED');
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.every((d) => d.step === 'SUMMARY' && d.job!.attempt === 1)).toBe(true);
      expect(deltas.map((d) => d.delta).join('')).toBe(final.article.summary);
      // Coalesced: stamped by the worker as it published them, never two within 50 ms.
      const at = deltas.map((d) => Date.parse(d.at as string));
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(45);

      // The streamed call is booked with its real usage, never at $0.
      const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
      const summaryCall = article!.llmCalls.find((c) => c.step === 'SUMMARY')!;
      expect(summaryCall.outputTokens).toBeGreaterThan(10);
      expect(summaryCall.costUsd).toBeGreaterThan(0);
    },
  );

  it('restarts the text cleanly when the stream breaks and the step is retried: deltas carry the attempt', async () => {
    const sys = await startTestSystem(backend, {
      env: { ...mockLlmEnv(mock), JOB_BACKOFF_BASE_MS: '10', JOB_BACKOFF_MAX_MS: '20' },
    });
    systems.push(sys);
    mock.script([{ provider: 'openai', cutStreamAfterPieces: 8 }]);
    const { articleId } = await submit(sys.url, sampleArticle({ content: LONG_CONTENT }));
    const events = await summaryEvents(sys.url, articleId);
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
