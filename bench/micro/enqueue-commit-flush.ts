/**
 * Diagnostic: how much of the enqueue p99 at 30 % load is PostgreSQL's commit flush (fsync).
 * `node --import tsx bench/micro/enqueue-commit-flush.ts [--runs=3]`
 *
 * Runs the enqueue scenario's Distill half (closed loop for the max rate, then an open loop at 30 %
 * of it) on fresh databases set to `synchronous_commit = on` (the default, what Distill runs with)
 * and `off`, alternating. Diagnostic only: `off` would lose accepted articles in a PostgreSQL crash.
 */
import pg from 'pg';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment, POSTGRES_ADMIN_URL } from '../lib/environment.js';
import { closedLoop, openLoop } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
let i = 0;

for (let run = 1; run <= runs; run++) {
  for (const mode of ['on', 'off'] as const) {
    const environment = await createBenchEnvironment();
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`alter database "${new URL(environment.databaseUrl).pathname.slice(1)}" set synchronous_commit = ${mode}`);
    await admin.end();
    const distill = await startDistill(environment, { worker: false });
    try {
      const submit = () => submitArticle(distill.apiUrl, i++).then(() => {});
      await closedLoop(submit, 8, 1_000); // warm-up
      const max = await closedLoop(submit, 32, 10_000);
      const rate = Math.round((max.ops / max.ms) * 1000 * 0.3);
      const s = summarize((await openLoop(submit, rate, 10_000)).latencies);
      console.log(
        JSON.stringify({ run, synchronousCommit: mode, rate, p50: round(s.p50, 2), p99: round(s.p99, 2), max: round(s.max) }),
      );
    } finally {
      await distill.stop();
      await environment.cleanup();
    }
  }
}
