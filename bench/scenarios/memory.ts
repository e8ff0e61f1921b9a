import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { rssBytes } from '../lib/proc.js';
import { round } from '../lib/stats.js';

/**
 * 4. Concurrency and memory: one worker process with WORKER_CONCURRENCY 6000 and a model that
 * takes a minute; RSS growth per in-flight job once 1,000 and then 5,000 jobs (×3 LLM calls) are in flight.
 */
export async function benchMemory(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const levels = quick ? [1_000] : [1_000, 5_000];
  mock.setLatency(120_000);
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, {
    worker: true,
    workerEnv: { WORKER_CONCURRENCY: '6000', DATABASE_POOL_SIZE: '20' },
  });
  const pid = distill.worker!.child.pid!;
  const out: Record<string, unknown> = {};
  try {
    // Warm the worker up (SDK clients, pools, JIT) before taking the baseline.
    mock.setLatency(0);
    await runAll(50, 10, (i) => submitArticle(distill.apiUrl, i).then(() => {}));
    await waitUntil(() => mock.stats().inFlight === 0 && mock.stats().requests >= 150, 60_000);
    mock.setLatency(120_000);
    global.gc?.();
    const baseline = rssBytes(pid);
    out.baselineRssMb = round(baseline / 2 ** 20);
    let submitted = 0;
    for (const level of levels) {
      await runAll(level - submitted, 64, (i) => submitArticle(distill.apiUrl, submitted + i).then(() => {}));
      submitted = level;
      await waitUntil(() => mock.stats().inFlight >= level * 3, 120_000);
      const rss = rssBytes(pid);
      out[`inFlight${level}`] = {
        jobsInFlight: level,
        llmCallsInFlight: mock.stats().inFlight,
        rssMb: round(rss / 2 ** 20),
        kbPerJob: round((rss - baseline) / level / 1024),
      };
    }
  } finally {
    await distill.stop();
    mock.setLatency(0);
    await environment.cleanup();
  }
  return out;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
