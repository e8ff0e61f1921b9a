import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { authHeaders, startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { openLoop } from '../lib/load.js';
import { memorySampler } from '../lib/memory-sampler.js';
import { round } from '../lib/stats.js';

const QUERY = `subscription ($id: ID!) { articleEvents(id: $id) { seq type article { id status } } }`;
const SUBMITS_PER_SECOND = 80;
const SUBSCRIPTIONS_PER_CONNECTION = 20;
const SAMPLE_EVERY_MS = 10_000;

/**
 * Soak: `serve` + one `work` with a 200 ms model, 80 submits a second, and each second a new client
 * connection (graphql-ws and SSE in turn) that opens 20 `articleEvents` subscriptions on recent
 * articles, drops them after 2 s and closes after 2.5 s — a subscription UI whose users come and
 * go. RSS and heap after GC of both processes are sampled every 10 s; the result is the slope over
 * the second half, in MB per 10 minutes (a process that keeps nothing stays near 0).
 */
export async function benchSoak(minutes: number, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const sampler = memorySampler();
  const environment = await createBenchEnvironment({ ...llmEnv, ...sampler.env });
  const distill = await startDistill(environment, { worker: true, workerEnv: { WORKER_CONCURRENCY: '256' } });
  const pids = { api: distill.api.child.pid!, worker: distill.worker!.child.pid! };
  const samples: { t: number; process: 'api' | 'worker'; rssMb: number; heapMb: number }[] = [];
  const recent: number[] = [];
  const counts = { subscriptions: 0, events: 0, errors: 0 };
  mock.setLatency(200);
  const durationMs = minutes * 60_000;
  const started = performance.now();
  let running = true;
  try {
    const load = openLoop(
      async () => {
        recent.push(await submitArticle(distill.apiUrl, recent.length));
        if (recent.length > 2_000) recent.splice(0, 1_000);
      },
      SUBMITS_PER_SECOND,
      durationMs,
    );
    const subscribers = (async () => {
      for (let second = 0; running; second++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (recent.length === 0) continue;
        const ids = Array.from(
          { length: SUBSCRIPTIONS_PER_CONNECTION },
          () => recent[Math.floor(Math.random() * recent.length)]!,
        );
        // A client that fails (refused, cut) is counted, not fatal: the soak is about what stays behind.
        visit(distill.apiUrl, second % 2 === 0 ? 'ws' : 'sse', ids, counts).catch(() => void counts.errors++);
      }
    })();
    const sampling = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
        const t = (performance.now() - started) / 1000;
        for (const [name, pid] of Object.entries(pids) as ['api' | 'worker', number][]) {
          const sample = await sampler.sample(pid);
          samples.push({ t, process: name, rssMb: mb(sample.raw.rss), heapMb: mb(sample.afterGc.heapUsed) });
        }
      }
    })();
    const submitted = await load;
    running = false;
    await Promise.all([subscribers, sampling]);
    const half = durationMs / 2000;
    const slope = (name: 'api' | 'worker', field: 'rssMb' | 'heapMb') => {
      const points = samples.filter((s) => s.process === name && s.t >= half).map((s) => [s.t, s[field]] as const);
      return round(slopePerSecond(points) * 600, 2);
    };
    const last = (name: 'api' | 'worker') => samples.filter((s) => s.process === name).at(-1);
    return {
      minutes,
      submitted: submitted.latencies.length,
      submitErrors: submitted.errors,
      ...counts,
      mbPer10MinutesOverSecondHalf: {
        api: { rss: slope('api', 'rssMb'), heapAfterGc: slope('api', 'heapMb') },
        worker: { rss: slope('worker', 'rssMb'), heapAfterGc: slope('worker', 'heapMb') },
      },
      final: { api: last('api'), worker: last('worker') },
      samples,
    };
  } finally {
    running = false;
    mock.setLatency(0);
    await distill.stop();
    await environment.cleanup();
    sampler.cleanup();
  }
}

/** One client: opens the subscriptions, drops them after 2 s, closes its connection after 2.5 s. */
async function visit(
  apiUrl: string,
  transport: 'ws' | 'sse',
  ids: number[],
  counts: { subscriptions: number; events: number; errors: number },
) {
  const sink = {
    next: () => void counts.events++,
    error: () => void counts.errors++,
    complete: () => {},
  };
  const headers = authHeaders(apiUrl);
  const client =
    transport === 'ws'
      ? createWsClient({ url: `${apiUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: headers })
      : createSseClient({ url: `${apiUrl}/graphql`, headers });
  const drops = ids.map((id) => client.subscribe({ query: QUERY, variables: { id: String(id) } }, sink));
  counts.subscriptions += ids.length;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  for (const drop of drops) drop();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await client.dispose();
}

/** Least-squares slope of y over t. */
function slopePerSecond(points: (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0);
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
