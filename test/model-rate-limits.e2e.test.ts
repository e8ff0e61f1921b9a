import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle } from './support/articles.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleFeed, SubmitArticles } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { createTestEnvironment, startApiAndWorkers, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

// 120 requests a minute to OpenAI's gpt-4o-mini, shared by every worker: two a second.
const RPM = 120;
const ARTICLES = 10;

describe.runIf(availableBackends().includes('real'))('model rate limits shared by two worker processes', () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let deployment: Awaited<ReturnType<typeof startApiAndWorkers>>;
  let api: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    environment = await createTestEnvironment('real', {
      ...mockLlmEnv(mock),
      LLM_RATE_LIMITS: JSON.stringify({ 'openai:gpt-4o-mini': { rpm: RPM, tpm: 1_000_000 } }),
    });
    deployment = await startApiAndWorkers(environment, ['limits-a', 'limits-b']);
    api = deployment.api;
  });
  afterAll(async () => {
    await deployment?.stop();
    await environment?.cleanup();
    await mock.stop();
  });

  it('holds calls back to the shared limit instead of collecting 429s', async () => {
    // The mock answers 429 past 3 requests in any second: the limit, and one token of burst.
    mock.setRequestLimit({ provider: 'openai', max: 3, windowMs: 1_000 });
    const feed = await wsSubscribe(api.url, ArticleFeed, {});
    const { submitArticles } = await gql(api.url, SubmitArticles, {
      input: Array.from({ length: ARTICLES }, (_, i) => sampleArticle({ title: `Limited ${i}` })),
    });
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
    let completed = 0;
    await feed.events.until((e) => e.articleFeed.type === 'COMPLETED' && ++completed === ARTICLES, 60_000);
    await feed.close();

    const stats = mock.stats();
    // Summary and keywords on OpenAI (limited), sentiment on Anthropic (not).
    expect(stats.byProvider.openai).toBe(2 * ARTICLES);
    expect(stats.byStatus[429] ?? 0).toBe(0);
    const arrivals = stats.arrivals.openai;
    const span = (arrivals.at(-1)! - arrivals[0]!) / 1_000;
    // Never more than the limit's rate (and the one token of burst) in any second.
    for (const at of arrivals) expect(arrivals.filter((t) => t >= at && t < at + 1_000).length).toBeLessThanOrEqual(3);
    // 20 limited calls at 2 a second, one of them from the bucket at once: at least 9.5 s.
    expect(span).toBeGreaterThanOrEqual((2 * ARTICLES - 1) / (RPM / 60) - 0.5);
  });
});
