import pg from 'pg';
import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { BENCH_APPLICATION, completionsInDatabase } from '../lib/completions.js';
import { benchContent, startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { cpuMeter, pidsNamed } from '../lib/proc.js';
import { round, summarize } from '../lib/stats.js';

const CLIENTS = 32;
const ROUNDS = 3;
const POLL_MS = 20;

/**
 * Cost as the tables grow: the throughput scenario's load (0 ms model, 32 clients, one API and
 * one worker) on a deployment whose tables hold only what the benchmark submitted, and on one
 * seeded with finished articles up to each of `sizes` (each with its job, three steps, three ledger
 * rows and four events; one generate_series statement per table). The two are measured in
 * alternating rounds, so both see the same machine: this VM's speed drifts by up to 1.7x between
 * minutes, more than the effect measured. Per deployment and stage: the median of three rounds,
 * submit latency, CPU per article of the API, the worker and PostgreSQL, WAL and checkpoints, the
 * hot tables' dead rows and vacuums, the busiest connections and, with pg_stat_statements loaded
 * (shared_preload_libraries), the statements that took the most time with their buffer hits and reads.
 */
export async function benchScale(quick: boolean, sizes: number[], mock: MockLlmServer, llmEnv: Record<string, string>) {
  const count = quick ? 500 : 1_000;
  mock.setLatency(0);
  const empty = await startDeployment(llmEnv);
  const seeded = await startDeployment(llmEnv);
  try {
    const stages = [];
    let size = 0;
    for (const target of [0, ...sizes]) {
      const t = performance.now();
      if (target > size) await seedFinishedArticles(seeded.client, target - size);
      size = target;
      const seedSeconds = round((performance.now() - t) / 1000);
      // Warm-up, not measured: fresh processes run cold code, freshly seeded tables cold caches.
      for (const d of [empty, seeded]) await d.run(count);
      // Both vacuumed and analyzed alike after it: the seed ends with a vacuum, and where autovacuum
      // is off (as on the machine these numbers come from) the unseeded tables would otherwise carry
      // every dead row, or statistics taken while they were empty.
      for (const d of [empty, seeded]) await d.client.query('vacuum analyze');
      for (const d of [empty, seeded]) await d.startStage();
      for (let r = 0; r < ROUNDS; r++) for (const d of r % 2 ? [seeded, empty] : [empty, seeded]) await d.round(count);
      const [onEmpty, onSeeded] = [await empty.endStage(), await seeded.endStage()];
      stages.push({
        seededArticles: size,
        seedSeconds,
        throughputRatio: round(onSeeded.perSecond / onEmpty.perSecond, 2),
        submitP99Ratio: round(onSeeded.submitP99 / onEmpty.submitP99, 2),
        empty: onEmpty,
        seeded: onSeeded,
      });
    }
    return stages;
  } finally {
    for (const d of [empty, seeded]) await d.stop();
  }
}

/** One Distill deployment (database, namespace, API and worker) and its measured rounds. */
async function startDeployment(llmEnv: Record<string, string>) {
  const environment = await createBenchEnvironment(llmEnv);
  const client = new pg.Client({ connectionString: environment.databaseUrl, application_name: BENCH_APPLICATION });
  await client.connect();
  const completions = await completionsInDatabase(environment);
  const statements = await statementStats(client);
  const distill = await startDistill(environment, { worker: true, workerEnv: { WORKER_CONCURRENCY: '128' } });
  let submitted = 0;
  /** Submits `n` articles from 32 clients; resolves when all are COMPLETED, with their submit latencies and articles/s. */
  const run = async (n: number) => {
    const latencies: number[] = [];
    const first = submitted;
    submitted += n;
    const after = await maxArticleId(client);
    const start = Date.now();
    await runAll(n, CLIENTS, async (i) => {
      const t = performance.now();
      await submitArticle(distill.apiUrl, first + i);
      latencies.push(performance.now() - t);
    });
    return { latencies, perSecond: round((n / ((await completions.waitFor(n, 300_000, after)) - start)) * 1000) };
  };
  let stage: {
    perSecond: number[];
    latencies: number[];
    cpu: Record<string, number>;
    busiest: number;
    wal: number;
    checkpoints: number[];
  };
  let server: ServerCounters;
  return {
    client,
    run,
    async startStage() {
      await statements?.reset();
      server = await serverCounters(client);
      stage = { perSecond: [], latencies: [], cpu: {}, busiest: 0, wal: 0, checkpoints: [0, 0] };
    },
    async round(n: number) {
      const meter = cpuMeter({
        api: () => [distill.api.child.pid!],
        worker: () => [distill.worker!.child.pid!],
        postgres: () => pidsNamed('postgres'),
      });
      const before = await serverCounters(client);
      const busy = sampleBusyConnections(client);
      const { latencies, perSecond } = await run(n);
      const busiest = await busy.stop();
      const work = serverWork(before, await serverCounters(client), n);
      stage.perSecond.push(perSecond);
      stage.latencies.push(...latencies);
      for (const [k, v] of Object.entries(meter.stop())) stage.cpu[k] = (stage.cpu[k] ?? 0) + v.cpuMs;
      stage.busiest = Math.max(stage.busiest, busiest);
      stage.wal += work.walKbPerArticle * n;
      stage.checkpoints = [stage.checkpoints[0]! + work.checkpoints.timed, stage.checkpoints[1]! + work.checkpoints.requested];
    },
    async endStage() {
      const articles = stage.latencies.length;
      const s = summarize(stage.latencies);
      return {
        databaseMB: await databaseMb(client),
        perSecond: summarize(stage.perSecond).p50,
        rounds: stage.perSecond,
        submitP50: round(s.p50, 2),
        submitP99: round(s.p99, 2),
        cpuMsPerArticle: Object.fromEntries(Object.entries(stage.cpu).map(([k, v]) => [k, round(v / articles, 2)])),
        // Most connections of the API and the worker running a statement at once (pool size is 10 each).
        busyConnections: stage.busiest,
        walKbPerArticle: round(stage.wal / articles, 1),
        checkpoints: { timed: stage.checkpoints[0], requested: stage.checkpoints[1] },
        tables: serverWork(server, await serverCounters(client), articles).tables,
        statements: await statements?.top(articles),
      };
    },
    async stop() {
      await client.end();
      await completions.close();
      await distill.stop();
      await environment.cleanup();
    },
  };
}

/**
 * `n` finished articles after the ones already there, as a year of use leaves them: COMPLETED,
 * each with a SUCCEEDED job, three DONE steps, three ledger rows and four events, created one
 * second apart up to now. The search index is rebuilt after (faster than a million index inserts).
 */
export async function seedFinishedArticles(client: pg.Client, n: number) {
  const from = (await maxArticleId(client)) + 1;
  const to = from + n - 1;
  const range = [from, to];
  // A bulk load: foreign keys unchecked (the rows are made consistent here) and no commit waits
  // for its WAL flush; the session's settings end with the seed.
  await client.query(`set session_replication_role = replica`);
  await client.query(`set synchronous_commit = off`);
  await client.query(`drop index article_search_doc_idx`);
  await client.query(
    `insert into articles (id, tenant_id, title, content, source_url, content_hash, priority, status, summary, keywords,
       sentiment, event_seq, created_at, updated_at, processed_at)
     overriding system value
     select i, 'bench', 'Seeded story ' || i, $3 || ' ' || i, 'https://seed.example/' || i, md5(i::text),
            (array['HIGH','NORMAL','LOW'])[1 + i % 3], 'COMPLETED', 'A summary of story ' || i, array['profits', 'growth'],
            'POSITIVE', 4, t, t, t + interval '20 seconds'
     from generate_series($1::bigint, $2::bigint) as i, lateral (select now() - ($2 - i) * interval '1 second' as t) as c`,
    [...range, benchContent(0)],
  );
  await client.query(`select setval(pg_get_serial_sequence('articles', 'id'), $1)`, [to]);
  await client.query(
    `insert into article_search (article_id, doc)
     select id, title || ' ' || left(content, 1000) from articles where id between $1 and $2`,
    range,
  );
  await client.query(
    `insert into jobs (id, article_id, state, priority, attempt, max_attempts, queued_at, started_at, finished_at, worker_id)
     select gen_random_uuid(), id, 'SUCCEEDED', priority, 1, 3, created_at, created_at + interval '1 second',
            processed_at, 'seed'
     from articles where id between $1 and $2`,
    range,
  );
  const steps = `cross join unnest(array['SUMMARY', 'KEYWORDS', 'SENTIMENT']) as s(step)`;
  await client.query(
    `insert into job_steps (job_id, step, state, started_at, finished_at, cached, model)
     select j.id, s.step, 'DONE', j.started_at, j.finished_at, false, 'gpt-4o-mini'
     from jobs j ${steps} where j.article_id between $1 and $2`,
    range,
  );
  await client.query(
    `insert into llm_calls (article_id, job_id, step, call_index, provider, model, prompt_version, input_tokens,
       output_tokens, cost_usd, latency_ms, cached, attempt, created_at)
     select j.article_id, j.id, s.step, 0, 'openai', 'gpt-4o-mini', 'v1', 600, 120, 0.000162, 900, false, 1, j.finished_at
     from jobs j ${steps} where j.article_id between $1 and $2`,
    range,
  );
  await client.query(
    `insert into article_events (article_id, seq, type, job_id, payload, created_at)
     select j.article_id, e.seq, e.type, j.id,
            jsonb_build_object('v', 1, 'articleId', j.article_id, 'seq', e.seq, 'type', e.type, 'jobId', j.id),
            j.queued_at + e.seq * interval '5 seconds'
     from jobs j cross join unnest(array['QUEUED', 'STARTED', 'STEP_COMPLETED', 'COMPLETED']) with ordinality as e(type, seq)
     where j.article_id between $1 and $2`,
    range,
  );
  await client.query(`create index article_search_doc_idx on article_search using gin (doc gin_trgm_ops)`);
  await client.query(`reset session_replication_role`);
  await client.query(`reset synchronous_commit`);
  await client.query('vacuum analyze');
  await client.query('checkpoint');
}

async function maxArticleId(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ id: string | null }>('select max(id) as id from articles');
  return Number(rows[0]!.id ?? 0);
}

/** Samples, until `stop`, the most connections of this database running a statement at once (besides the benchmark's). */
function sampleBusyConnections(client: pg.Client) {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ busy: number }>(
        `select count(*)::int as busy from pg_stat_activity
         where datname = current_database() and state = 'active' and application_name <> $1`,
        [BENCH_APPLICATION],
      );
      max = Math.max(max, rows[0]!.busy);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

interface ServerCounters {
  timed: string;
  requested: string;
  wal: string;
  /** Per hot table: dead rows, autovacuums, autoanalyzes. */
  tables: Record<string, [number, number, number]>;
}

async function serverCounters(client: pg.Client): Promise<ServerCounters> {
  const { rows } = await client.query<ServerCounters>(
    `select checkpoints_timed as timed, checkpoints_req as requested, (select wal_bytes from pg_stat_wal) as wal,
            (select jsonb_object_agg(relname, array[n_dead_tup, autovacuum_count, autoanalyze_count])
             from pg_stat_user_tables where relname in ('articles', 'jobs', 'job_steps', 'outbox')) as tables
     from pg_stat_bgwriter`,
  );
  return rows[0]!;
}

/**
 * What the server did for the articles of a measured run: checkpoints (requested ones mean
 * max_wal_size is too small for the load), WAL bytes, and the hot tables' dead rows and vacuums.
 */
function serverWork(before: ServerCounters, after: ServerCounters, articles: number) {
  return {
    checkpoints: {
      timed: Number(after.timed) - Number(before.timed),
      requested: Number(after.requested) - Number(before.requested),
    },
    walKbPerArticle: round((Number(after.wal) - Number(before.wal)) / 1024 / articles, 1),
    tables: Object.fromEntries(
      Object.entries(after.tables).map(([table, [dead, vacuums, analyzes]]) => {
        const [, vacuumsBefore = 0, analyzesBefore = 0] = before.tables[table] ?? [];
        return [table, { deadRows: dead, autovacuums: vacuums - vacuumsBefore, autoanalyzes: analyzes - analyzesBefore }];
      }),
    ),
  };
}

async function databaseMb(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ mb: number }>('select (pg_database_size(current_database()) / 1048576)::int as mb');
  return rows[0]!.mb;
}

/** The statements of this database by total time, per article, with their buffer hits and reads; undefined without pg_stat_statements. */
async function statementStats(client: pg.Client) {
  const { rows } = await client.query<{ loaded: boolean }>(
    `select current_setting('shared_preload_libraries') like '%pg_stat_statements%' as loaded`,
  );
  if (!rows[0]!.loaded) return undefined;
  await client.query('create extension if not exists pg_stat_statements');
  const thisDatabase = `dbid = (select oid from pg_database where datname = current_database())`;
  return {
    reset: () =>
      client.query(`select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()))`),
    async top(articles: number, n = 8) {
      const { rows: top } = await client.query<{
        query: string;
        calls: string;
        ms: number;
        hit: string;
        read: string;
        dirtied: string;
      }>(
        `select regexp_replace(left(query, 300), '\\s+', ' ', 'g') as query, calls, total_exec_time as ms,
                shared_blks_hit as hit, shared_blks_read as read, shared_blks_dirtied as dirtied
         from pg_stat_statements where ${thisDatabase} and query not like '%pg_stat_statements%'
           and query not like '%max(processed_at)%'
         order by total_exec_time desc limit ${n}`,
      );
      return top.map((r) => ({
        query: r.query.slice(0, 120),
        calls: Number(r.calls),
        msPerArticle: round(r.ms / articles, 3),
        blocksHitPerCall: round(Number(r.hit) / Number(r.calls), 1),
        blocksReadPerCall: round(Number(r.read) / Number(r.calls), 2),
        hitRatio: round(Number(r.hit) / Math.max(1, Number(r.hit) + Number(r.read)), 4),
      }));
    },
  };
}
