/**
 * Micro-benchmark: the OpenAI SDK over Node's global fetch vs over Distill's undici-based fetch.
 * `node --expose-gc --import tsx bench/micro/sdk-http.ts`
 *
 * The parent runs the mock LLM; each mode runs in a fresh child so memory is measured alone.
 * Memory: heap and RSS growth per in-flight call with 3,000 calls held open by the mock.
 * CPU: client CPU per call for 8,000 calls (OpenAI + Anthropic alternating, 30 concurrent, 0 ms model).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startMockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { Agent, request } from 'undici';
import { createSdkFetch } from '../../src/llm/sdk-fetch.js';

const httpAgent = new http.Agent({ keepAlive: true });
const agent = new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });

const HELD = 3_000;

if (process.env.SDK_HTTP_MODE) await child(process.env.SDK_HTTP_MODE, process.env.MOCK_URL!);
else await parent();

async function parent() {
  const mock = await startMockLlmServer();
  const modes =
    process.argv.slice(2).length > 0
      ? process.argv.slice(2)
      : ['global-fetch', 'sdk-fetch', 'sdk-fetch-anthropic', 'fetch-only', 'undici-request'];
  for (const mode of modes) {
    const proc = fork(new URL(import.meta.url).pathname, {
      env: { ...process.env, SDK_HTTP_MODE: mode, MOCK_URL: mock.url },
      execArgv: ['--expose-gc', '--import', 'tsx'],
    });
    await new Promise((resolve) => proc.on('exit', resolve));
    mock.setLatency(0);
  }
  await mock.stop();
  process.exit(0); // the mock's 10-minute latency timers of the last child's calls are still pending
}

async function child(mode: string, base: string) {
  const options = {
    apiKey: 'sk',
    maxRetries: 0,
    timeout: 3_600_000,
    ...(mode !== 'global-fetch' ? { fetch: createSdkFetch() } : {}),
  };
  const openai = new OpenAI({ ...options, baseURL: `${base}/v1` });
  const anthropic = new Anthropic({ ...options, baseURL: base });
  const content = 'The council approved the new harbour bridge. '.repeat(20);
  const callOpenAi = () =>
    openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 50 });
  const callAnthropic = () =>
    anthropic.messages.create({ model: 'claude-3-5-haiku-latest', messages: [{ role: 'user', content }], max_tokens: 50 });
  const control = (path: string, body?: unknown) =>
    fetch(`${base}/_mock/${path}`, body ? { method: 'POST', body: JSON.stringify(body) } : {}).then((r) => r.json()) as Promise<{
      inFlight: number;
    }>;

  // What one held call costs: through an SDK, through Distill's fetch alone, or a bare undici request.
  const sdkFetch = createSdkFetch();
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 50 });
  const url = `${base}/v1/chat/completions`;
  const headers = { authorization: 'Bearer sk', 'content-type': 'application/json' };
  const hold: () => Promise<unknown> =
    mode === 'sdk-fetch-anthropic'
      ? callAnthropic
      : mode === 'fetch-only'
        ? () => sdkFetch(url, { method: 'POST', body, headers })
        : mode === 'undici-request'
          ? () => request(url, { method: 'POST', body, headers, dispatcher: agent }).then((r) => r.body.text())
          : mode === 'node-http'
            ? () =>
                new Promise<string>((resolve, reject) => {
                  const req = http.request(url, { method: 'POST', agent: httpAgent, headers }, (res) => {
                    let text = '';
                    res
                      .setEncoding('utf8')
                      .on('data', (c: string) => (text += c))
                      .on('end', () => resolve(text));
                  });
                  req.on('error', reject);
                  req.end(body);
                })
            : callOpenAi;
  // CPU: the SDK modes alternate OpenAI and Anthropic calls; the raw modes make their own call.
  const raw = mode === 'fetch-only' || mode === 'undici-request' || mode === 'node-http';
  const run = async (calls: number) => {
    let i = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while ((i += 2) <= calls) await Promise.all(raw ? [hold(), hold()] : [callOpenAi(), callAnthropic()]);
      }),
    );
  };
  await run(2_000); // warm-up: JIT, connection pool
  const cpu0 = process.cpuUsage();
  await run(8_000);
  const cpu = process.cpuUsage(cpu0);

  await control('latency', { ms: 600_000 });
  global.gc?.();
  const before = process.memoryUsage();
  const held = (await control('stats')).inFlight;
  for (let n = 0; n < HELD; n++) hold().catch(() => {});
  while ((await control('stats')).inFlight < held + HELD) await new Promise((resolve) => setTimeout(resolve, 100));
  global.gc?.();
  const after = process.memoryUsage();
  const kb = (bytes: number) => (bytes / HELD / 1024).toFixed(1);
  console.log(
    `${mode.padEnd(12)} CPU per call ${((cpu.user + cpu.system) / 8_000 / 1000).toFixed(3)} ms | ` +
      `per in-flight call: heap ${kb(after.heapUsed - before.heapUsed)} KB, RSS ${kb(after.rss - before.rss)} KB`,
  );
  process.exit(0);
}
