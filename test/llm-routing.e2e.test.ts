import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { DEFAULT_PRICES } from '../src/llm/pricing.js';
import { isLogged, LONG_CONTENT, sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
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

describe.each(availableBackends())('fallback, circuit breakers and routing by length on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        ...mockLlmEnv(mock),
        LLM_ROUTE_SUMMARY: 'openai:gpt-4o-mini,anthropic:claude-3-5-haiku-latest',
        LLM_ROUTE_KEYWORDS: 'openai:gpt-4o-mini,anthropic:claude-3-5-haiku-latest',
        LLM_CIRCUIT_FAILURES: '2',
        LLM_CIRCUIT_HALF_OPEN_MS: '1500',
        LLM_SHORT_ROUTE_SUMMARY: 'openai:gpt-4.1-nano',
        LLM_SHORT_CHARS: '200',
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  const modelsOf = async (articleId: string) => {
    const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
    expect(article!.status).toBe('COMPLETED');
    return {
      ledger: Object.fromEntries(article!.llmCalls.map((c) => [c.step, `${c.provider}:${c.model}`])),
      steps: Object.fromEntries(article!.job!.steps.map((s) => [s.name, s.model])),
    };
  };
  const run = async (content: string) => {
    const { articleId } = await submit(sys.url, sampleArticle({ content }));
    expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    return modelsOf(articleId);
  };

  it('sends content shorter than LLM_SHORT_CHARS to the short route, and longer content to the step route', async () => {
    expect((await run('Shares rise on record profits.')).ledger.SUMMARY).toBe('openai:gpt-4.1-nano');
    expect((await run(LONG_CONTENT)).ledger.SUMMARY).toBe('openai:gpt-4o-mini');
  });

  it('fails over to the next model when a provider keeps failing with 529s, opens its circuit, and returns after a probe', async () => {
    mock.reset();
    mock.script([{ provider: 'openai', status: 529, times: 10_000 }]);
    for (let i = 0; i < 4; i++) {
      const { ledger, steps } = await run(LONG_CONTENT);
      // Each field says which model produced it: the fallback, in the ledger and on the step.
      expect(ledger).toEqual({
        SUMMARY: 'anthropic:claude-3-5-haiku-latest',
        KEYWORDS: 'anthropic:claude-3-5-haiku-latest',
        SENTIMENT: 'anthropic:claude-3-5-haiku-latest',
      });
      expect(steps.SUMMARY).toBe('claude-3-5-haiku-latest');
    }
    // Two failures opened the circuit: the other six OpenAI-first calls went straight to Anthropic
    // (one more when a probe fell in the run).
    expect(mock.stats().byProvider.openai).toBeLessThanOrEqual(3);

    mock.script([]);
    await expect
      .poll(async () => (await run(LONG_CONTENT)).ledger.SUMMARY, { timeout: 15_000, interval: 200 })
      .toBe('openai:gpt-4o-mini');
  });
});
