import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { spawnDistill, type DistillProcess } from '../../test/support/processes.js';
import { completionsInDatabase } from '../lib/completions.js';
import { startDistill, submitArticle } from '../lib/distill.js';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { BENCH_APPLICATION } from '../lib/completions.js';
import { createBenchEnvironment, NATS_URL, type BenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter, pidsNamed } from '../lib/proc.js';
import { round } from '../lib/stats.js';

const LATENCY_MS = 2_000;
const CONCURRENCY = 50;

/**
 * Adding worker processes where CPU is not the bound: every model call takes 2 s and each worker
 * runs 50 jobs at once (an article's three steps run side by side), so N workers can complete at
 * most N × 25 articles/s. One API; 1, 2 and 4 workers, each on a fresh database and namespace.
 * Reports articles/s from the first submit to the last COMPLETED against that ceiling, and CPU ms
 * per article per process group (the capacity model in docs/OPERATIONS.md reads these).
 */
export async function benchScaling(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  mock.setLatency(LATENCY_MS);
  const runs = [];
  try {
    for (const workerCount of [1, 2, 4]) runs.push(await measure(quick, workerCount, mock, llmEnv));
  } finally {
    mock.setLatency(0);
  }
  return { latencyMs: LATENCY_MS, concurrencyPerWorker: CONCURRENCY, runs };
}

async function measure(quick: boolean, workerCount: number, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const ceiling = (workerCount * CONCURRENCY * 1000) / LATENCY_MS;
  // Ten (quick: four) rounds of every slot busy, so the ramp at either end is a small part.
  const count = (quick ? 4 : 10) * workerCount * CONCURRENCY;
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: false });
  const workers: DistillProcess[] = [];
  const completions = await completionsInDatabase(environment);
  try {
    for (let i = 0; i < workerCount; i++) {
      const worker = spawnDistill('work', { ...environment.env, WORKER_CONCURRENCY: String(CONCURRENCY), WORKER_ID: `w${i}` });
      await worker.waitForLog((l) => l.msg === 'worker started');
      worker.ignoreLogs();
      workers.push(worker);
    }
    const traffic = await trafficMeter(environment);
    const callsBefore = mock.stats().requests;
    const meter = cpuMeter({
      api: () => [distill.api.child.pid!],
      workers: () => workers.map((w) => w.child.pid!),
      postgres: () => pidsNamed('postgres'),
      nats: () => pidsNamed('nats-server'),
    });
    const start = Date.now();
    await runAll(count, 32, (i) => submitArticle(distill.apiUrl, i, 'NORMAL', false).then(() => {}));
    const last = await completions.waitFor(count);
    const cpu = meter.stop();
    const moved = await traffic.stop();
    const perSecond = (count / (last - start)) * 1000;
    return {
      workers: workerCount,
      articles: count,
      perSecond: round(perSecond),
      ceiling,
      ofCeiling: round(perSecond / ceiling, 2),
      cpuMsPerArticle: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v.cpuMs / count, 2)])),
      perArticle: {
        llmCalls: round((mock.stats().requests - callsBefore) / count, 2),
        postgresCommits: round(moved.commits / count, 1),
        walKB: round(moved.walBytes / count / 1024, 1),
        natsMessages: round(moved.natsMessages / count, 1),
      },
    };
  } finally {
    await completions.close();
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await distill.stop();
    await environment.cleanup();
  }
}

/**
 * What one deployment moves between the call and `stop()`: its database's commits (pg_stat_database,
 * flushed by PostgreSQL within a second), the WAL written (whole cluster; nothing else writes during
 * a run), and the messages on its NATS namespace (job publishes and events; each job's ack besides).
 */
async function trafficMeter(environment: BenchEnvironment) {
  const client = new pg.Client({ connectionString: environment.databaseUrl, application_name: BENCH_APPLICATION });
  await client.connect();
  const read = async () => {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ commits: string; lsn: string }>(
      `select xact_commit::text as commits, pg_current_wal_lsn()::text as lsn from pg_stat_database where datname = current_database()`,
    );
    return rows[0]!;
  };
  const nc = await connect({ servers: NATS_URL });
  let natsMessages = 0;
  const sub = nc.subscribe(`${environment.namespace}.>`, { callback: () => void natsMessages++ });
  const before = await read();
  return {
    async stop() {
      // The statistics collector reports each backend's commits when it goes idle (at most 1 s later).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const after = await read();
      const { rows } = await client.query<{ bytes: string }>(`select pg_wal_lsn_diff($1, $2)::text as bytes`, [
        after.lsn,
        before.lsn,
      ]);
      sub.unsubscribe();
      await nc.close();
      await client.end();
      return { commits: Number(after.commits) - Number(before.commits), walBytes: Number(rows[0]!.bytes), natsMessages };
    },
  };
}
