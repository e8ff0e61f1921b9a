import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, CostReport } from './support/operations.js';
import { availableBackends } from './support/services.js';
import {
  createTestEnvironment,
  startApiAndWorkers,
  startTestSystem,
  type TestEnvironment,
  type TestSystem,
} from './support/system.fixture.js';

let serial = 0;
/** An article no earlier test submitted: its first run pays, whatever ran before. */
const freshArticle = () =>
  sampleArticle({
    title: `Cache story ${++serial}`,
    content: `Story ${serial}. Profits rise and growth is strong in every region.`,
  });

async function completed(url: string, articleId: string) {
  const events = await awaitSettled(url, articleId);
  expect(events.at(-1)!.type).toBe('COMPLETED');
  return (await gql(url, ArticleDetails, { id: articleId })).article!;
}

describe.each(availableBackends())('content cache on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 50 });
    sys = await startTestSystem(backend, { env: { ...mockLlmEnv(mock), LLM_CACHE_TTL: '7d' } });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('answers an identical article from the cache: no HTTP call, booked at $0 with the cost it saved', async () => {
    const input = freshArticle();
    const first = await completed(sys.url, (await submit(sys.url, input)).articleId);
    expect(first.llmCalls.every((c) => !c.cached && c.costUsd! > 0 && c.savedUsd === 0)).toBe(true);

    mock.reset();
    const second = await completed(sys.url, (await submit(sys.url, input)).articleId);
    expect(mock.stats().requests).toBe(0);
    expect(second).toMatchObject({ summary: first.summary, keywords: first.keywords, sentiment: first.sentiment, costUsd: 0 });
    const paid = Object.fromEntries(first.llmCalls.map((c) => [c.step, c]));
    for (const call of second.llmCalls) {
      expect(call).toMatchObject({ cached: true, costUsd: 0, inputTokens: 0, outputTokens: 0, model: paid[call.step]!.model });
      expect(call.savedUsd).toBeCloseTo(paid[call.step]!.costUsd!, 10);
    }
    expect(second.job!.steps.every((s) => s.cached && s.state === 'DONE')).toBe(true);
  });

  it('calls the models again with cache: false, and for other content', async () => {
    const input = freshArticle();
    await completed(sys.url, (await submit(sys.url, input)).articleId);
    mock.reset();
    const bypass = await completed(sys.url, (await submit(sys.url, { ...input, cache: false })).articleId);
    expect(bypass.llmCalls.every((c) => !c.cached)).toBe(true);
    expect(mock.stats().requests).toBe(3);

    mock.reset();
    await completed(sys.url, (await submit(sys.url, { ...input, content: `${input.content} One more sentence.` })).articleId);
    expect(mock.stats().requests).toBe(3);
  });

  it('makes one set of calls for two identical articles in flight at once (single flight)', async () => {
    mock.setLatency(400);
    mock.reset();
    try {
      const input = freshArticle();
      const [a, b] = await Promise.all([submit(sys.url, input), submit(sys.url, input)]);
      const [first, second] = await Promise.all([completed(sys.url, a.articleId), completed(sys.url, b.articleId)]);
      expect(mock.stats().requests).toBe(3);
      const cached = [...first.llmCalls, ...second.llmCalls].filter((c) => c.cached);
      expect(cached).toHaveLength(3);
      expect(second.summary).toBe(first.summary);
    } finally {
      mock.setLatency(50);
    }
  });

  it('reports cost and savings: costReport totals, by step, model and prompt version', async () => {
    const { costReport } = await gql(sys.url, CostReport, { days: 7 });
    const details = await gql(sys.url, CostReport, {});
    expect(details.costReport.days).toBe(30);
    expect(costReport.calls).toBeGreaterThan(0);
    expect(costReport.cachedCalls).toBeGreaterThanOrEqual(6);
    expect(costReport.savedUsd).toBeGreaterThan(0);
    expect(costReport.totalUsd).toBeCloseTo(
      costReport.byStep.reduce((sum, g) => sum + g.usd, 0),
      10,
    );
    expect(costReport.savedUsd).toBeCloseTo(
      costReport.byStep.reduce((sum, g) => sum + g.savedUsd, 0),
      10,
    );
    expect(costReport.byStep.map((g) => g.key).sort()).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
    expect(costReport.byModel.map((g) => g.key).sort()).toEqual(['claude-3-5-haiku-latest', 'gpt-4o-mini']);
    expect(costReport.byPromptVersion.map((g) => g.key).sort()).toEqual(['KEYWORDS:v1', 'SENTIMENT:v1', 'SUMMARY:v1']);
    expect(costReport.avgPerArticleUsd).toBeCloseTo(costReport.totalUsd / costReport.articles, 10);
    expect(costReport.dailyAverageUsd).toBeCloseTo(costReport.totalUsd / 7, 10);
    for (const g of costReport.byStep) expect(g.avgLatencyMs).toBeGreaterThanOrEqual(40);
  });

  it('rejects a days argument out of range, naming it', async () => {
    const response = await fetch(`${sys.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ costReport(days: 0) { totalUsd } }' }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'days: must be between 1 and 366', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe.runIf(availableBackends().includes('real'))('content cache across worker processes', () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let deployment: Awaited<ReturnType<typeof startApiAndWorkers>>;
  let api: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 600 });
    // One job at a time each: two jobs running at once are on two workers.
    environment = await createTestEnvironment('real', { ...mockLlmEnv(mock), LLM_CACHE_TTL: '7d', WORKER_CONCURRENCY: '1' });
    deployment = await startApiAndWorkers(environment, ['worker-a', 'worker-b']);
    api = deployment.api;
  });
  afterAll(async () => {
    await deployment?.stop();
    await environment?.cleanup();
    await mock.stop();
  });

  it('makes one set of calls when two workers run identical articles at once', async () => {
    const input = freshArticle();
    const [a, b] = await Promise.all([submit(api.url, input), submit(api.url, input)]);
    const [first, second] = await Promise.all([completed(api.url, a.articleId), completed(api.url, b.articleId)]);
    expect(new Set([first.job!.workerId, second.job!.workerId])).toEqual(new Set(['worker-a', 'worker-b']));
    expect(mock.stats().requests).toBe(3);
    expect([...first.llmCalls, ...second.llmCalls].filter((c) => c.cached)).toHaveLength(3);
  });

  it('lets a waiting worker take over when the call that holds the lease fails', async () => {
    mock.reset();
    // The first call of each step fails for good (400): its worker releases the lease, and the
    // other worker, waiting on the same key, makes the call itself.
    mock.script([{ status: 400, times: 3 }]);
    const input = freshArticle();
    const [a, b] = await Promise.all([submit(api.url, input), submit(api.url, input)]);
    const settled = await Promise.all([awaitSettled(api.url, a.articleId), awaitSettled(api.url, b.articleId)]);
    const outcomes = settled.map((events) => events.at(-1)!.type).sort();
    expect(outcomes).toEqual(['COMPLETED', 'FAILED']);
    expect(mock.stats().requests).toBe(6);
  });
});
