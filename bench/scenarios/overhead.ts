import pg from 'pg';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startBullmq } from '../lib/bullmq.js';
import { startDistill, submitArticle, watchCompletions } from '../lib/distill.js';
import { createBenchEnvironment, type BenchEnvironment } from '../lib/environment.js';
import { round, summarize } from '../lib/stats.js';

/**
 * 3. Overhead above LLM time: a 2 s model and 500 jobs in flight at once; per article, the time from
 * submit to COMPLETED minus the slowest of its three (concurrent) LLM calls as booked in the ledger.
 */
export async function benchOverhead(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const count = quick ? 200 : 500;
  mock.setLatency(2_000);
  const workerEnv = { WORKER_CONCURRENCY: '1000', DATABASE_POOL_SIZE: '20' };
  const out: Record<string, unknown> = {};

  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: true, workerEnv });
  const completions = await watchCompletions(environment);
  try {
    const submittedAt = new Map<number, number>();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const t = performance.now();
        submittedAt.set(await submitArticle(distill.apiUrl, i), t);
      }),
    );
    await completions.waitFor(count);
    out.distill = await overheads(
      environment,
      (id) => completions.completedAt.get(Number(id))! - submittedAt.get(Number(id))!,
      'article',
    );
  } finally {
    await completions.close();
    await distill.stop();
    await environment.cleanup();
  }

  const baseEnv = await createBenchEnvironment(llmEnv);
  const bull = await startBullmq(baseEnv, workerEnv);
  try {
    const submittedAt = new Map<string, number>();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const t = performance.now();
        submittedAt.set(await bull.submit(i), t);
      }),
    );
    await bull.waitFor(count);
    out.bullmq = await overheads(baseEnv, (jobId) => bull.completedAt.get(jobId)! - submittedAt.get(jobId)!, 'job');
  } finally {
    await bull.stop();
    await baseEnv.cleanup();
  }
  mock.setLatency(0);
  return out;
}

/** e2e minus the critical-path LLM time, per article (keyed by article id or job id). */
async function overheads(environment: BenchEnvironment, e2eOf: (key: string) => number, key: 'article' | 'job') {
  const client = new pg.Client({ connectionString: environment.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; llm: number }>(
      `select ${key === 'article' ? 'article_id' : 'job_id'}::text as key, max(latency_ms)::int as llm from llm_calls group by 1`,
    );
    const values = rows.map((r) => e2eOf(r.key) - r.llm);
    const s = summarize(values);
    const llm = summarize(rows.map((r) => r.llm));
    return { articles: rows.length, overheadP50: round(s.p50), overheadP99: round(s.p99), llmP50: round(llm.p50) };
  } finally {
    await client.end();
  }
}
