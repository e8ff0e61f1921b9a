import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startBullmq } from '../lib/bullmq.js';
import { startDistill, submitArticle, watchCompletions } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter, pidsNamed } from '../lib/proc.js';
import { round } from '../lib/stats.js';

interface System {
  submit(i: number): Promise<unknown>;
  waitFor(n: number): Promise<void>;
  completedAt(): Iterable<number>;
  /** Pids per process group, for CPU per article. */
  processes: Record<string, () => number[]>;
}

/**
 * 2. End-to-end throughput with a 0 ms model: articles/s from the first submit to the last
 * COMPLETED, and CPU ms per article for each process (API, worker, PostgreSQL, nats-server / Redis).
 */
export async function benchThroughput(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const count = quick ? 300 : 2_000;
  const workerEnv = { WORKER_CONCURRENCY: '128' };
  mock.setLatency(0);
  const out: Record<string, unknown> = {};
  {
    const environment = await createBenchEnvironment(llmEnv);
    const distill = await startDistill(environment, { worker: true, workerEnv });
    const completions = await watchCompletions(environment);
    try {
      out.distill = await measure(count, {
        submit: (i) => submitArticle(distill.apiUrl, i),
        waitFor: (n) => completions.waitFor(n),
        completedAt: () => completions.completedAt.values(),
        processes: {
          api: () => [distill.api.child.pid!],
          worker: () => [distill.worker!.child.pid!],
          postgres: () => pidsNamed('postgres'),
          nats: () => pidsNamed('nats-server'),
        },
      });
    } finally {
      await completions.close();
      await distill.stop();
      await environment.cleanup();
    }
  }
  {
    const environment = await createBenchEnvironment(llmEnv);
    const bull = await startBullmq(environment, workerEnv);
    try {
      out.bullmq = await measure(count, {
        submit: (i) => bull.submit(i),
        waitFor: (n) => bull.waitFor(n),
        completedAt: () => bull.completedAt.values(),
        processes: {
          api: () => [bull.api.child.pid!],
          worker: () => [bull.worker.child.pid!],
          postgres: () => pidsNamed('postgres'),
          redis: () => pidsNamed('redis-server'),
        },
      });
    } finally {
      await bull.stop();
      await environment.cleanup();
    }
  }
  return out;
}

async function measure(count: number, system: System) {
  const meter = cpuMeter(system.processes);
  const start = performance.now();
  await runAll(count, 32, (i) => system.submit(i).then(() => {}));
  await system.waitFor(count);
  const ms = Math.max(...system.completedAt()) - start;
  const cpu = meter.stop();
  return {
    articles: count,
    perSecond: round((count / ms) * 1000),
    cpuMsPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / count, 2)])),
  };
}
