import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startBullmq } from '../lib/bullmq.js';
import { startDistill, submitArticle, watchCompletions } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter, pidsNamed } from '../lib/proc.js';
import { round } from '../lib/stats.js';

/**
 * 2. End-to-end throughput with a 0 ms model: articles/s from the first submit to the last
 * COMPLETED, and CPU ms per article for each process (API, worker, PostgreSQL, nats-server / Redis).
 */
export async function benchThroughput(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const count = quick ? 400 : 2_000;
  const concurrency = '128';
  mock.setLatency(0);
  const out: Record<string, unknown> = {};

  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: true, workerEnv: { WORKER_CONCURRENCY: concurrency } });
  const completions = await watchCompletions(environment);
  try {
    const meter = cpuMeter({
      api: () => [distill.api.child.pid!],
      worker: () => [distill.worker!.child.pid!],
      postgres: () => pidsNamed('postgres'),
      nats: () => pidsNamed('nats-server'),
    });
    const start = performance.now();
    await runAll(count, 32, (i) => submitArticle(distill.apiUrl, i).then(() => {}));
    await completions.waitFor(count);
    const ms = Math.max(...completions.completedAt.values()) - start;
    const cpu = meter.stop();
    out.distill = {
      articles: count,
      perSecond: round((count / ms) * 1000),
      cpuMsPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / count, 2)])),
    };
  } finally {
    await completions.close();
    await distill.stop();
    await environment.cleanup();
  }

  const baseEnv = await createBenchEnvironment(llmEnv);
  const bull = await startBullmq(baseEnv, { WORKER_CONCURRENCY: concurrency });
  try {
    const meter = cpuMeter({
      api: () => [bull.api.child.pid!],
      worker: () => [bull.worker.child.pid!],
      postgres: () => pidsNamed('postgres'),
      redis: () => pidsNamed('redis-server'),
    });
    const start = performance.now();
    await runAll(count, 32, (i) => bull.submit(i).then(() => {}));
    await bull.waitFor(count);
    const ms = Math.max(...bull.completedAt.values()) - start;
    const cpu = meter.stop();
    out.bullmq = {
      articles: count,
      perSecond: round((count / ms) * 1000),
      cpuMsPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / count, 2)])),
    };
  } finally {
    await bull.stop();
    await baseEnv.cleanup();
  }
  return out;
}
