import pg from 'pg';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { openLoop } from '../lib/load.js';
import { onBothPipelines, type Pipeline } from '../lib/pipelines.js';
import { round, summarize } from '../lib/stats.js';

/**
 * 3. Overhead above LLM time with a 2 s model: per article, submit → COMPLETED minus the slowest of
 * its three (concurrent) LLM calls as booked in the ledger. Two loads: steady (10 articles/s, ~20 in
 * flight) and a burst of 500 submitted at once (500 in flight, CPU-saturating on 2 cores).
 */
export async function benchOverhead(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const burst = quick ? 100 : 500;
  const steadySeconds = quick ? 3 : 10;
  mock.setLatency(2_000);
  const workerEnv = { WORKER_CONCURRENCY: '1000', DATABASE_POOL_SIZE: '20' };
  const result = await onBothPipelines(llmEnv, workerEnv, (pipeline) => measure(pipeline, steadySeconds, burst));
  mock.setLatency(0);
  return result;
}

async function measure(system: Pipeline, steadySeconds: number, burst: number) {
  const submittedAt = new Map<string, number>();
  const submit = async (i: number) => {
    const t = performance.now();
    submittedAt.set(await system.submit(i), t);
  };
  await openLoop(() => submit(submittedAt.size + 100_000), 10, steadySeconds * 1000);
  const steadyKeys = new Set(submittedAt.keys());
  await system.waitFor(steadyKeys.size);
  await Promise.all(Array.from({ length: burst }, (_, i) => submit(i)));
  await system.waitFor(steadyKeys.size + burst);

  const client = new pg.Client({ connectionString: system.environment.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; llm: number }>(
      `select ${system.keyColumn}::text as key, max(latency_ms)::int as llm from llm_calls group by 1`,
    );
    const overhead = (keys: (key: string) => boolean) => {
      const picked = rows.filter((r) => keys(r.key));
      const s = summarize(picked.map((r) => system.completedAt.get(r.key)! - submittedAt.get(r.key)! - r.llm));
      return {
        articles: picked.length,
        overheadP50: round(s.p50),
        overheadP99: round(s.p99),
        llmP50: round(summarize(picked.map((r) => r.llm)).p50),
      };
    };
    return { steady: overhead((k) => steadyKeys.has(k)), burst: overhead((k) => !steadyKeys.has(k)) };
  } finally {
    await client.end();
  }
}
