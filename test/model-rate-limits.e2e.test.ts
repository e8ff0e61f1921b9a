import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEARNED_LIMITS_TOPIC } from '../src/access/model-limits.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleFeed, SubmitArticles } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { createTestEnvironment, startApiAndWorkers, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

// 120 requests a minute to OpenAI's gpt-4o-mini, shared by every worker: two a second.
const RPM = 120;
const ARTICLES = 10;

/** Submits `count` articles as one batch and resolves once every one of them COMPLETED. */
async function completeBatch(api: TestSystem, count: number, title: string): Promise<void> {
  const feed = await wsSubscribe(api.url, ArticleFeed, {});
  const { submitArticles } = await gql(api.url, SubmitArticles, {
    input: Array.from({ length: count }, (_, i) => sampleArticle({ title: `${title} ${i}` })),
  });
  if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
  let completed = 0;
  await feed.events.until((e) => e.articleFeed.type === 'COMPLETED' && ++completed === count, 60_000);
  await feed.close();
}

/** No more than `max` of the arrivals in any `windowMs`. */
function expectWithinLimit(arrivals: number[], max: number, windowMs: number): void {
  for (const at of arrivals) expect(arrivals.filter((t) => t >= at && t < at + windowMs).length).toBeLessThanOrEqual(max);
}

/** An API and two workers on real services, against the mock LLM, with `env`. */
function twoWorkers(env: Record<string, string>, ids: [string, string]) {
  const state = {} as {
    mock: MockLlmServer;
    environment: TestEnvironment;
    deployment: Awaited<ReturnType<typeof startApiAndWorkers>>;
    api: TestSystem;
  };
  beforeAll(async () => {
    state.mock = await startMockLlmServer();
    state.environment = await createTestEnvironment('real', { ...mockLlmEnv(state.mock), ...env });
    state.deployment = await startApiAndWorkers(state.environment, ids);
    state.api = state.deployment.api;
  });
  afterAll(async () => {
    await state.deployment?.stop();
    await state.environment?.cleanup();
    await state.mock?.stop();
  });
  return state;
}

describe.runIf(availableBackends().includes('real'))('model rate limits shared by two worker processes', () => {
  const sys = twoWorkers({ LLM_RATE_LIMITS: JSON.stringify({ 'openai:gpt-4o-mini': { rpm: RPM, tpm: 1_000_000 } }) }, [
    'limits-a',
    'limits-b',
  ]);

  it('holds calls back to the shared limit instead of collecting 429s', async () => {
    // The mock answers 429 past 3 requests in any second: the limit, and one token of burst.
    sys.mock.setRequestLimit({ provider: 'openai', max: 3, windowMs: 1_000 });
    await completeBatch(sys.api, ARTICLES, 'Limited');

    const stats = sys.mock.stats();
    // Summary and keywords on OpenAI (limited), sentiment on Anthropic (not).
    expect(stats.byProvider.openai).toBe(2 * ARTICLES);
    expect(stats.byStatus[429] ?? 0).toBe(0);
    const arrivals = stats.arrivals.openai;
    const span = (arrivals.at(-1)! - arrivals[0]!) / 1_000;
    // Never more than the limit's rate (and the one token of burst) in any second.
    expectWithinLimit(arrivals, 3, 1_000);
    // 20 limited calls at 2 a second, one of them from the bucket at once: at least 9.5 s.
    expect(span).toBeGreaterThanOrEqual((2 * ARTICLES - 1) / (RPM / 60) - 0.5);
  });
});

describe.runIf(availableBackends().includes('real'))("model rate limits learned from the providers' headers", () => {
  // No LLM_RATE_LIMITS: the limit is what the provider's headers say.
  const sys = twoWorkers({}, ['learn-a', 'learn-b']);

  /** Listens for the next limit a process announces as learned; the function returned awaits it. */
  async function nextAnnouncement(): Promise<() => Promise<unknown>> {
    let heard: (payload: unknown) => void = () => {};
    const payload = new Promise<unknown>((resolve) => (heard = resolve));
    const stop = await sys.api.system.infra.bus.subscribe(LEARNED_LIMITS_TOPIC, (_topic, p) => heard(p));
    return () => payload.finally(stop);
  }

  it('paces every worker to the limit the headers state, once one worker has heard it', async () => {
    // Six requests in any second (360 a minute), stated in x-ratelimit-* headers and enforced with 429s.
    sys.mock.setRequestLimit({ provider: 'openai', max: 6, windowMs: 1_000 });
    const announced = await nextAnnouncement();
    const first = await submit(sys.api.url, sampleArticle({ title: 'Teaches the limit' }));
    expect((await awaitSettled(sys.api.url, first.articleId)).at(-1)!.type).toBe('COMPLETED');
    // Paced at 90 % of the stated 360 a minute; the other worker hears it through the bus.
    expect(await announced()).toEqual({ key: 'openai:gpt-4o-mini', rpm: 324 });

    sys.mock.reset();
    await completeBatch(sys.api, 20, 'Learned');

    const stats = sys.mock.stats();
    expect(stats.byProvider.openai).toBe(40);
    expect(stats.byStatus[429] ?? 0).toBe(0);
    expectWithinLimit(stats.arrivals.openai, 6, 1_000);
    // 40 calls at 5.4 a second, the first from the bucket at once: at least 7 s.
    const arrivals = stats.arrivals.openai;
    expect((arrivals.at(-1)! - arrivals[0]!) / 1_000).toBeGreaterThanOrEqual(39 / 5.4 - 0.5);
  });

  it('waits out a quota the headers say is spent (by another client of the key), in every worker, until its reset', async () => {
    // Four requests in any 4 s: 60 a minute stated, 54 learned (0.9 a second).
    sys.mock.setRequestLimit({ provider: 'openai', max: 4, windowMs: 4_000 });
    const announced = await nextAnnouncement();
    const first = await submit(sys.api.url, sampleArticle({ title: 'Teaches the new limit' }));
    expect((await awaitSettled(sys.api.url, first.articleId)).at(-1)!.type).toBe('COMPLETED');
    expect(await announced()).toEqual({ key: 'openai:gpt-4o-mini', rpm: 54 });

    // Another client of the same key spends all but one request of the window: the next call of
    // ours is told the quota is spent (remaining 0), and every worker holds its calls until the
    // reset. At 0.9 a second alone, the call after it would come within the window and get a 429.
    let remaining = Infinity;
    while (remaining > 1) {
      const res = await fetch(`${sys.mock.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer other-client', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
      });
      await res.text();
      remaining = Number(res.headers.get('x-ratelimit-remaining-requests'));
    }
    sys.mock.reset();
    await completeBatch(sys.api, 2, 'Spent');
    const stats = sys.mock.stats();
    expect(stats.byProvider.openai).toBe(4);
    expect(stats.byStatus[429] ?? 0).toBe(0);
  });
});
