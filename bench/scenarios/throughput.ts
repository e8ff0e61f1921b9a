import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { runAll } from '../lib/load.js';
import { onBothPipelines, type Pipeline } from '../lib/pipelines.js';
import { completionsInDatabase } from '../lib/completions.js';
import { cpuMeter } from '../lib/proc.js';
import { round } from '../lib/stats.js';

/**
 * 2. End-to-end throughput with a 0 ms model, after a warm-up: articles/s from the first submit to the last
 * COMPLETED (as PostgreSQL records it, polled: watching either pipeline's events would cost the
 * two differently), and CPU ms and write syscalls per article for each process (API, worker,
 * PostgreSQL, nats-server / Redis, and this process: mock LLM and load generator).
 */
export async function benchThroughput(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const count = quick ? 300 : 2_000;
  mock.setLatency(0);
  return onBothPipelines(llmEnv, { WORKER_CONCURRENCY: '128' }, (pipeline) => measure(count, pipeline), {
    watchEvents: false,
  });
}

async function measure(count: number, pipeline: Pipeline) {
  // Warm-up, not measured: fresh processes run cold code (JIT, pools) for the first thousand or so
  // articles, and the pipeline with more code to compile would pay more for it.
  const warmUp = Math.round(count / 2);
  const completions = await completionsInDatabase(pipeline.environment);
  try {
    await runAll(warmUp, 32, (i) => pipeline.submit(count + i).then(() => {}));
    await completions.waitFor(warmUp);
    const meter = cpuMeter(pipeline.processes);
    const start = Date.now();
    await runAll(count, 32, (i) => pipeline.submit(i).then(() => {}));
    const lastCompletedAt = await completions.waitFor(warmUp + count);
    const cpu = meter.stop();
    return report(count, lastCompletedAt - start, cpu);
  } finally {
    await completions.close();
  }
}

function report(count: number, ms: number, cpu: ReturnType<ReturnType<typeof cpuMeter>['stop']>) {
  return {
    articles: count,
    perSecond: round((count / ms) * 1000),
    cpuMsPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v.cpuMs / count, 2)])),
    writesPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v.writes / count, 1)])),
  };
}
