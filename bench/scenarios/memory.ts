import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { memorySampler, type MemorySample } from '../lib/memory-sampler.js';
import { round } from '../lib/stats.js';

/**
 * 4. Concurrency and memory: one worker process with WORKER_CONCURRENCY 6000 and a model that
 * holds every call; memory growth per in-flight job once 1,000 and then 5,000 jobs (×3 LLM calls)
 * are in flight. Each sample is taken by the worker itself (bench/lib/memory-probe.mjs): RSS as it
 * is, then RSS and V8 heap after two full GCs (what the jobs hold, without transient garbage).
 */
export async function benchMemory(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const levels = quick ? [1_000] : [1_000, 5_000];
  const sampler = memorySampler();
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, {
    worker: true,
    workerEnv: { WORKER_CONCURRENCY: '6000', DATABASE_POOL_SIZE: '20', ...sampler.env },
  });
  const pid = distill.worker!.child.pid!;
  const out: Record<string, unknown> = {};
  try {
    // Warm the worker up (SDK clients, pools, JIT) with the same work at 0 ms before the baseline.
    mock.setLatency(0);
    mock.reset(); // counts from here (earlier scenarios' calls are done)
    await runAll(300, 32, (i) => submitArticle(distill.apiUrl, i).then(() => {}));
    await waitUntil(() => mock.stats().inFlight === 0 && mock.stats().requests >= 900, 60_000);
    const baseline = await sampler.sample(pid);
    out.baseline = { rssMb: mb(baseline.raw.rss), rssAfterGcMb: mb(baseline.afterGc.rss), heapMb: mb(baseline.afterGc.heapUsed) };
    mock.setLatency(600_000);
    let submitted = 0;
    for (const level of levels) {
      await runAll(level - submitted, 64, (i) => submitArticle(distill.apiUrl, 1_000 + submitted + i).then(() => {}));
      submitted = level;
      await waitUntil(() => mock.stats().inFlight >= level * 3, 120_000);
      const sample = await sampler.sample(pid);
      out[`inFlight${level}`] = {
        jobsInFlight: level,
        llmCallsInFlight: mock.stats().inFlight,
        ...perJob(sample, baseline, level),
      };
    }
  } finally {
    await distill.stop();
    mock.setLatency(0);
    await environment.cleanup();
    sampler.cleanup();
  }
  return out;
}

const mb = (bytes: number) => round(bytes / 2 ** 20);

function perJob(sample: MemorySample, baseline: MemorySample, jobs: number) {
  const kb = (now: number, before: number) => round((now - before) / jobs / 1024);
  return {
    rssMb: mb(sample.raw.rss),
    kbPerJob: kb(sample.raw.rss, baseline.raw.rss),
    rssAfterGcMb: mb(sample.afterGc.rss),
    kbPerJobAfterGc: kb(sample.afterGc.rss, baseline.afterGc.rss),
    heapTotalKbPerJob: kb(sample.afterGc.heapTotal, baseline.afterGc.heapTotal),
    heapKbPerJob: kb(sample.afterGc.heapUsed + sample.afterGc.external, baseline.afterGc.heapUsed + baseline.afterGc.external),
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
