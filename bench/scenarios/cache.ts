import pg from 'pg';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { BENCH_APPLICATION, completionsInDatabase } from '../lib/completions.js';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter, pidsNamed } from '../lib/proc.js';
import { round, summarize } from '../lib/stats.js';

type Phase = 'off' | 'miss' | 'hit';

/**
 * What the content cache adds to a job, with a 0 ms model: job time (started → finished, as the
 * jobs table records it) and worker / PostgreSQL CPU per article, for articles submitted with
 * `cache: false` (no lookup), new articles (a miss: the lookup, the lease, the fill) and the same
 * articles again (a hit: no call). Phases alternate in rounds, as the VM's speed drifts.
 */
export async function benchCache(quick: boolean, mock: MockLlmServer, llmEnv: Record<string, string>) {
  const perPhase = quick ? 150 : 400;
  const rounds = quick ? 2 : 3;
  mock.setLatency(0);
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: true, workerEnv: { WORKER_CONCURRENCY: '16' } });
  const db = new pg.Client({ connectionString: environment.databaseUrl, application_name: BENCH_APPLICATION });
  await db.connect();
  const completions = await completionsInDatabase(environment);
  let lastId = 0;
  const samples: Record<Phase, { jobMs: number[]; workerCpuMs: number; postgresCpuMs: number; calls: number }> = {
    off: { jobMs: [], workerCpuMs: 0, postgresCpuMs: 0, calls: 0 },
    miss: { jobMs: [], workerCpuMs: 0, postgresCpuMs: 0, calls: 0 },
    hit: { jobMs: [], workerCpuMs: 0, postgresCpuMs: 0, calls: 0 },
  };
  let next = 0;
  const run = async (phase: Phase, items: number[]) => {
    const ids: number[] = [];
    const meter = cpuMeter({ worker: () => [distill.worker!.child.pid!], postgres: () => pidsNamed('postgres') });
    const before = mock.stats().requests;
    // Four clients: job time, not queueing, is what is measured.
    await runAll(items.length, 4, async (k) => {
      ids.push(await submitArticle(distill.apiUrl, items[k]!, 'NORMAL', phase !== 'off'));
    });
    await completions.waitFor(ids.length, 120_000, lastId);
    lastId = Math.max(lastId, ...ids);
    const cpu = meter.stop();
    const { rows } = await db.query<{ ms: number }>(
      `select extract(epoch from j.finished_at - j.started_at) * 1000 as ms from jobs j where j.article_id = any($1)`,
      [ids],
    );
    const s = samples[phase];
    s.jobMs.push(...rows.map((r) => Number(r.ms)));
    s.workerCpuMs += cpu.worker!.cpuMs;
    s.postgresCpuMs += cpu.postgres!.cpuMs;
    s.calls += mock.stats().requests - before;
  };
  try {
    // Warm-up: cold code would count against whichever phase runs first.
    const warm = Array.from({ length: perPhase }, () => next++);
    await run('miss', warm);
    await run('hit', warm);
    for (const phase of ['off', 'miss', 'hit'] as const)
      samples[phase] = { jobMs: [], workerCpuMs: 0, postgresCpuMs: 0, calls: 0 };
    for (let r = 0; r < rounds; r++) {
      await run(
        'off',
        Array.from({ length: perPhase }, () => next++),
      );
      const fresh = Array.from({ length: perPhase }, () => next++);
      await run('miss', fresh);
      await run('hit', fresh);
    }
  } finally {
    await db.end();
    await completions.close();
    await distill.stop();
    await environment.cleanup();
  }
  const articles = perPhase * rounds;
  return Object.fromEntries(
    Object.entries(samples).map(([phase, s]) => {
      const job = summarize(s.jobMs);
      return [
        phase,
        {
          articles,
          jobMsP50: round(job.p50, 2),
          jobMsP99: round(job.p99, 2),
          workerCpuMsPerArticle: round(s.workerCpuMs / articles, 2),
          postgresCpuMsPerArticle: round(s.postgresCpuMs / articles, 2),
          llmCallsPerArticle: round(s.calls / articles, 2),
        },
      ];
    }),
  );
}
