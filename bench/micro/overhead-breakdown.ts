/**
 * Where the overhead above LLM time goes, stage by stage, for the steady load of scenario 3
 * (2 s model, 10 articles/s): `node --import tsx bench/micro/overhead-breakdown.ts [seconds]`.
 * Stages come from PostgreSQL's statement times (article_events, llm_calls) and the client's clock.
 */
import pg from 'pg';
import { startMockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { startDistill, submitArticle, watchCompletions } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { openLoop } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';

const seconds = Number(process.argv[2] ?? 10);
const mock = await startMockLlmServer({ latencyMs: 2_000 });
const environment = await createBenchEnvironment({
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-bench',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
});
const distill = await startDistill(environment, {
  worker: true,
  workerEnv: { WORKER_CONCURRENCY: '1000', DATABASE_POOL_SIZE: '20' },
});
const completions = await watchCompletions(environment);
const submitted = new Map<string, { t: number; wall: number; acked: number }>();
try {
  await openLoop(
    async () => {
      const t = performance.now();
      const wall = Date.now();
      const id = String(await submitArticle(distill.apiUrl, submitted.size));
      submitted.set(id, { t, wall, acked: performance.now() });
    },
    10,
    seconds * 1000,
  );
  await completions.waitFor(submitted.size);
  const client = new pg.Client({ connectionString: environment.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ id: string; events: Record<string, number[]>; calls: { start: number; end: number }[] }>(`
    select a.id::text,
      (select jsonb_object_agg(type, ts) from (select type, jsonb_agg(extract(epoch from created_at) * 1000 order by seq) ts
         from article_events e where e.article_id = a.id group by type) x) events,
      (select jsonb_agg(jsonb_build_object('end', extract(epoch from created_at) * 1000, 'start', extract(epoch from created_at) * 1000 - latency_ms))
         from llm_calls c where c.article_id = a.id) calls
    from articles a`);
  await client.end();
  const stages: Record<string, number[]> = {};
  const add = (name: string, v: number) => (stages[name] ??= []).push(v);
  for (const r of rows) {
    const s = submitted.get(r.id)!;
    const ev = r.events;
    const llm = Math.max(...r.calls.map((c) => c.end - c.start));
    const seenAt = s.wall + (completions.completedAt.get(r.id)! - s.t); // the client's COMPLETED, wall clock
    add('submit → answer (client)', s.acked - s.t);
    add('submit → QUEUED statement', ev.QUEUED![0]! - s.wall);
    add('QUEUED → STARTED statement', ev.STARTED![0]! - ev.QUEUED![0]!);
    add('STARTED → COMPLETED statement, minus LLM', ev.COMPLETED![0]! - ev.STARTED![0]! - llm);
    add('COMPLETED statement → client', seenAt - ev.COMPLETED![0]!);
    add('total overhead', seenAt - s.wall - llm);
  }
  for (const [name, values] of Object.entries(stages)) {
    const x = summarize(values);
    console.log(`${name.padEnd(45)} p50 ${round(x.p50)}  p99 ${round(x.p99)}`);
  }
} finally {
  await completions.close();
  await distill.stop();
  await environment.cleanup();
  await mock.stop();
}
