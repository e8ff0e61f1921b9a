import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { DEFAULT_PRICES } from '../src/llm/pricing.js';
import { submit, isLogged } from './support/articles.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { ArticleDetails, ArticleEvents } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';
import { mockLlmEnv } from './support/mock-llm.js';

describe.each(availableBackends())('LLM calls through the real SDKs on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 300 });
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

  it('routes summary and keywords to OpenAI and sentiment to Anthropic, booking real usage at model prices', async () => {
    mock.reset();
    const { articleId } = await submit(sys.url);
    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId });
    let events;
    try {
      events = (await sub.events.until((e) => e.articleEvents.type === 'COMPLETED')).map((e) => e.articleEvents);
    } finally {
      await sub.close();
    }
    // The model takes 300 ms, so the steps complete live, after the snapshot.
    const [snapshot, ...live] = events;
    expect(snapshot!.type).toBe('SNAPSHOT');
    const logged = live.filter((e) => isLogged(e.type)).map((e) => e.type);
    expect(logged.filter((t) => t !== 'STARTED')).toEqual(['STEP_COMPLETED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'COMPLETED']);

    const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
    const calls = Object.fromEntries(article!.llmCalls.map((c) => [c.step, c]));
    expect(calls.SUMMARY).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(calls.KEYWORDS).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(calls.SENTIMENT).toMatchObject({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' });
    let total = 0;
    for (const call of article!.llmCalls) {
      const price = DEFAULT_PRICES[call.model]!;
      const expected = (call.inputTokens * price.input + call.outputTokens * price.output) / 1_000_000;
      expect(call.costUsd).toBeCloseTo(expected, 10);
      expect(call.costUsd).toBeGreaterThan(0);
      expect(call.latencyMs).toBeGreaterThanOrEqual(290);
      total += expected;
    }
    expect(article!.costUsd).toBeCloseTo(total, 10);
    expect(article).toMatchObject({ status: 'COMPLETED', sentiment: 'POSITIVE' });
    expect(article!.job!.steps.map((s) => s.model).sort()).toEqual(['claude-3-5-haiku-latest', 'gpt-4o-mini', 'gpt-4o-mini']);
    expect(mock.stats().byProvider).toEqual({ openai: 2, anthropic: 1 });
  });
});
