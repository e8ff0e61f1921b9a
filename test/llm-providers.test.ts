import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { createAnthropicProvider } from '../src/llm/anthropic.provider.js';
import { LlmError } from '../src/llm/llm-error.js';
import { createOpenAiProvider } from '../src/llm/openai.provider.js';
import type { CompletionRequest, LlmProvider } from '../src/llm/provider.js';
import type { QuotaListener, QuotaReport } from '../src/llm/quota-headers.js';

// The providers run the real SDKs over our undici-based fetch (src/llm/sdk-fetch.ts) against the
// mock's real HTTP protocols: these cases pin down everything the SDKs read from a response.
const PROVIDERS = [
  {
    name: 'openai',
    model: 'gpt-4o-mini',
    make: (m: MockLlmServer, onQuota?: QuotaListener) =>
      createOpenAiProvider({ apiKey: 'sk', baseURL: m.openaiBaseUrl }, onQuota),
  },
  {
    name: 'anthropic',
    model: 'claude-3-5-haiku-latest',
    make: (m: MockLlmServer, onQuota?: QuotaListener) =>
      createAnthropicProvider({ apiKey: 'sk', baseURL: m.anthropicBaseUrl }, onQuota),
  },
] as const;

const request = (model: string, extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  model,
  system: 'Summarize the article in two sentences.',
  prompt: 'The council approved the new harbour bridge on Tuesday. Construction starts in spring.',
  maxTokens: 200,
  timeoutMs: 30_000,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmError);
  return err as LlmError;
}

describe.each(PROVIDERS)('$name provider over the real SDK', ({ name, model, make }) => {
  let mock: MockLlmServer;
  let provider: LlmProvider;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    provider = make(mock);
  });
  afterAll(() => mock.stop());

  it('returns the text, the model and the usage of a JSON answer', async () => {
    const out = await provider.complete(request(model));
    expect(out.text.length).toBeGreaterThan(10);
    expect(out.model).toBe(model);
    expect(out.inputTokens).toBeGreaterThan(10);
    expect(out.outputTokens).toBeGreaterThan(0);
  });

  it('streams: the deltas add up to the text, and usage arrives at the end', async () => {
    const deltas: string[] = [];
    const out = await provider.complete(request(model, { onDelta: (d) => deltas.push(d) }));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(out.text);
    expect(out.outputTokens).toBeGreaterThan(0);
  });

  it('reports a 429 as rate_limited with its Retry-After', async () => {
    mock.script([{ status: 429, retryAfterSec: 2 }]);
    const err = await failure(provider.complete(request(model)));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000, details: { status: 429, provider: name } });
  });

  it("hears the quota the provider's rate-limit headers state, on answers streamed or not and on refusals", async () => {
    const heard: [string, QuotaReport][] = [];
    const listening = make(mock, (m, report) => heard.push([m, report]));
    mock.reset();
    await listening.complete(request(model));
    expect(heard).toEqual([]);

    // Two requests in any 10 s: 12 a minute.
    mock.setRequestLimit({ provider: name, max: 2, windowMs: 10_000 });
    try {
      await listening.complete(request(model));
      await listening.complete(request(model, { onDelta: () => {} }));
      const refused = await failure(listening.complete(request(model)));
      expect(refused.kind).toBe('rate_limited');
      expect(heard.map(([m, r]) => [m, r.requests?.limit, r.requests?.remaining])).toEqual([
        [model, 12, 1],
        [model, 12, 0],
        [model, 12, 0],
      ]);
      // The oldest request leaves the window within 10 s.
      for (const [, r] of heard) expect(r.requests!.resetMs).toBeGreaterThan(9_000 - 1_000);
      for (const [, r] of heard) expect(r.requests!.resetMs).toBeLessThanOrEqual(10_000);
    } finally {
      mock.setRequestLimit(null);
    }
  });

  it('reports a 500 as a server error', async () => {
    mock.script([{ status: 500 }]);
    expect(await failure(provider.complete(request(model)))).toMatchObject({ kind: 'server', details: { status: 500 } });
  });

  it('aborts a hanging call through the signal and closes its connection', async () => {
    mock.reset();
    mock.script([{ hang: true }]);
    const controller = new AbortController();
    const call = failure(provider.complete(request(model, { signal: controller.signal })));
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(1);
    controller.abort();
    expect(await call).toMatchObject({ kind: 'aborted' });
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(0);
  });

  it('times out a call that gets no answer, and closes its connection', async () => {
    mock.reset();
    mock.script([{ hang: true }]);
    const err = await failure(provider.complete(request(model, { timeoutMs: 200 })));
    expect(err.kind).toBe('timeout');
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(0);
  });

  it('times out a call whose response stalls after the headers', async () => {
    mock.reset();
    mock.script([{ stallBody: true }]);
    const err = await failure(provider.complete(request(model, { timeoutMs: 300 })));
    expect(err.kind).toBe('timeout');
    await expect.poll(() => mock.stats().inFlight, { timeout: 5_000 }).toBe(0);
  });

  it('times out a stream at its deadline', async () => {
    mock.reset();
    mock.script([{ stallBody: true }]);
    const err = await failure(provider.complete(request(model, { timeoutMs: 300, onDelta: () => {} })));
    expect(err.kind).toBe('timeout');
  });

  it('reports a signal aborted with a TimeoutError reason as a timeout', async () => {
    mock.script([{ hang: true }]);
    const err = await failure(provider.complete(request(model, { signal: AbortSignal.timeout(200) })));
    expect(err.kind).toBe('timeout');
  });

  it('reports a refused connection as a network error', async () => {
    const port = await closedPort();
    const offline = name === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
    const p =
      name === 'openai'
        ? createOpenAiProvider({ apiKey: 'sk', baseURL: offline })
        : createAnthropicProvider({ apiKey: 'sk', baseURL: offline });
    expect(await failure(p.complete(request(model)))).toMatchObject({ kind: 'network' });
  });
});

/** A port nothing listens on: bind, read the number, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
