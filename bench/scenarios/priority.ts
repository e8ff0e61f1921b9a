import pg from 'pg';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startDistill, submitArticle, watchCompletions } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';

/**
 * 6. Priority: with a LOW flood queued (5,000), HIGH jobs submitted one every 100 ms; their queue
 * wait (started_at − queued_at), p50/p99. Worker concurrency 64, model 200 ms.
 */
export async function benchPriority(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const lows = quick ? 500 : 5_000;
  const highs = quick ? 10 : 100;
  mock.setLatency(200);
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: true, workerEnv: { WORKER_CONCURRENCY: '64' } });
  const completions = await watchCompletions(environment);
  const client = new pg.Client({ connectionString: environment.databaseUrl });
  await client.connect();
  try {
    await runAll(lows, 32, (i) => submitArticle(distill.apiUrl, i, 'LOW').then(() => {}));
    const queuedLow = await client.query<{ n: number }>(
      `select count(*)::int as n from jobs where priority = 'LOW' and state = 'QUEUED'`,
    );
    const highIds: number[] = [];
    for (let i = 0; i < highs; i++) {
      highIds.push(await submitArticle(distill.apiUrl, lows + i, 'HIGH'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const deadline = Date.now() + 120_000;
    while (!highIds.every((id) => completions.completedAt.has(String(id))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const { rows } = await client.query<{ wait: number }>(
      `select extract(epoch from (started_at - queued_at)) * 1000 as wait from jobs where priority = 'HIGH' and started_at is not null`,
    );
    const s = summarize(rows.map((r) => Number(r.wait)));
    return {
      lowQueuedAtFirstHigh: queuedLow.rows[0]!.n,
      highJobs: rows.length,
      waitP50: round(s.p50),
      waitP99: round(s.p99),
      waitMax: round(s.max),
    };
  } finally {
    await client.end();
    await completions.close();
    await distill.stop();
    mock.setLatency(0);
    await environment.cleanup();
  }
}
