import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArticleReader } from '../src/articles/article.repository.js';
import { createDatabase, type Db } from '../src/db/database.js';
import { migrateTo, migrateToLatest } from '../src/db/migrate.js';
import { keepPartitions, listPartitions } from '../src/db/partitions.js';
import { availableBackends, createTempDataDir, createTestDatabase } from './support/services.js';

const DAY_MS = 86_400_000;
const TABLES = ['articles', 'jobs', 'job_steps', 'llm_calls', 'article_events'] as const;
const monthStart = (d: Date, plus = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));

/**
 * The event log and the ledger, partitioned by month: migration 0005 on a database that already
 * holds months of finished work, replay across partitions, and retention by whole months.
 */
describe.each(availableBackends())('monthly partitions on %s PostgreSQL', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    if (backend === 'real') {
      const database = await createTestDatabase({ migrated: false });
      db = await createDatabase({ kind: 'postgres', url: database.url, poolSize: 2, queryTimeoutMs: 30_000 });
      drop = database.drop;
    } else {
      const dir = createTempDataDir();
      db = await createDatabase({ kind: 'pglite', dataDir: dir.dir });
      drop = dir.drop;
    }
  });
  afterAll(async () => {
    await db.destroy();
    await drop();
  });

  // Every row of each table, as text in a stable order: equal before and after means nothing changed.
  const fingerprint = async () => {
    const out: Record<string, { n: number; hash: string }> = {};
    for (const table of TABLES) {
      const { rows } = await sql<{ n: number; hash: string }>`
        select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as hash
        from ${sql.table(table)} t`.execute(db);
      out[table] = rows[0]!;
    }
    return out;
  };

  it('migrates a database holding five months of finished articles in place, keeping every row', async () => {
    await migrateTo(db, '0004-client-api');
    await seedFinishedArticles(db, 300);
    const before = await fingerprint();
    expect(before.article_events!.n).toBe(1_200);

    // Up to the partitioning and index review; later migrations add columns (new text per row).
    await migrateTo(db, '0006-index-review');
    expect(await fingerprint()).toEqual(before);
    await migrateToLatest(db);
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_partitioned_table p join pg_class c on c.oid = p.partrelid order by 1`.execute(db);
    expect(rows.map((r) => r.name)).toEqual(['article_events', 'llm_calls']);
    const events = await listPartitions(db, 'article_events');
    // The rows already there form the first partition, up to next month; the next months follow.
    expect(events[0]).toMatchObject({ from: null, to: monthStart(new Date(), 1) });
    expect(events.slice(1).map((p) => p.to)).toEqual([monthStart(new Date(), 2), monthStart(new Date(), 3)]);
    // New ledger rows are numbered after the old ones.
    const { rows: ids } = await sql<{ id: string; max: string }>`
      insert into llm_calls (article_id, job_id, step, provider, model, prompt_version, input_tokens, output_tokens,
        latency_ms, attempt)
      select article_id, job_id, 'SUMMARY', 'openai', 'gpt-4o-mini', 'v1', 1, 1, 1, 2 from llm_calls limit 1
      returning id, (select max(id) from llm_calls) as max`.execute(db);
    expect(Number(ids[0]!.id)).toBeGreaterThan(Number(ids[0]!.max));
  });

  it('replays an article whose events lie in two partitions, in order, from any seq, and counts its cost across them', async () => {
    const [{ id }] = (await sql<{ id: number }>`select min(id)::int as id from articles`.execute(db)).rows as [{ id: number }];
    // Two later events in next month's partition, after the four seeded ones in the first.
    const nextMonth = new Date(monthStart(new Date(), 1).getTime() + DAY_MS);
    await sql`
      insert into article_events (article_id, seq, type, payload, created_at)
      select ${id}::bigint, s, 'QUEUED', ${eventPayload(sql`${id}::bigint`, sql`s`, sql`'QUEUED'`)}, ${nextMonth}::timestamptz
      from generate_series(5, 6) s`.execute(db);
    const partitions = await sql<{ p: string }>`
      select distinct tableoid::regclass::text as p from article_events where article_id = ${id}::bigint`.execute(db);
    expect(partitions.rows).toHaveLength(2);

    const reader = createArticleReader(db);
    expect((await reader.findEventsAfter(id, 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await reader.findEventsAfter(id, 3)).map((e) => e.seq)).toEqual([4, 5, 6]);

    // Its cost counts ledger rows of both partitions too.
    const before = (await reader.sumCostByArticleIds([id])).get(id)!;
    const calls = (await reader.findLlmCallsByArticleIds([id])).length;
    await sql`
      insert into llm_calls (article_id, job_id, step, call_index, provider, model, prompt_version, input_tokens,
        output_tokens, cost_usd, latency_ms, attempt, created_at)
      select article_id, job_id, step, 1, provider, model, prompt_version, 1, 1, 0.5, 1, 2, ${nextMonth}::timestamptz
      from llm_calls where article_id = ${id}::bigint limit 1`.execute(db);
    expect((await reader.sumCostByArticleIds([id])).get(id)).toBeCloseTo(before + 0.5, 8);
    expect((await reader.findLlmCallsByArticleIds([id])).length).toBe(calls + 1);
  });

  it('drops only the months whose every row is past the retention age, and never articles or the ledger at 0', async () => {
    const articles = (await fingerprint()).articles;
    const calls = (await fingerprint()).llm_calls;
    // Four months on, with events kept 30 days: the months that ended more than 30 days before go.
    const later = new Date(monthStart(new Date(), 4).getTime() + 10 * DAY_MS);
    const cutoff = new Date(later.getTime() - 30 * DAY_MS);
    await keepPartitions(db, { article_events: 0, llm_calls: 0 }, later); // creates the months up to then
    const young = new Date(cutoff.getTime() + DAY_MS);
    const old = new Date(monthStart(cutoff).getTime() - DAY_MS);
    const { id } = (await sql<{ id: number }>`select min(id)::int as id from articles`.execute(db)).rows[0]!;
    for (const [seq, at] of [
      [101, old],
      [102, young],
    ] as const)
      await sql`insert into article_events (article_id, seq, type, payload, created_at)
        values (${id}::bigint, ${seq}::int, 'QUEUED', '{}'::jsonb, ${at}::timestamptz)`.execute(db);

    const upkeep = await keepPartitions(db, { article_events: 30, llm_calls: 0 }, later);

    expect(upkeep!.dropped.length).toBeGreaterThan(0);
    const { rows } = await sql<{ oldest: Date; n: number; past: number }>`
      select min(created_at) as oldest, count(*)::int as n, count(*) filter (where seq = 101)::int as past
      from article_events`.execute(db);
    // Nothing younger than the age went; what is left starts at the month the cutoff falls in.
    expect(rows[0]).toMatchObject({ n: 1, past: 0 });
    expect(new Date(rows[0]!.oldest)).toEqual(young);
    expect((await listPartitions(db, 'article_events'))[0]!.from).toEqual(monthStart(cutoff));
    const after = await fingerprint();
    expect(after.articles).toEqual(articles);
    expect(after.llm_calls).toEqual(calls);
  });
});

/** A logged event's payload as replay decodes it (the article reduced to its id). */
const eventPayload = (articleId: RawBuilder<unknown>, seq: RawBuilder<unknown>, type: RawBuilder<unknown>) =>
  sql`jsonb_build_object('v', 2, 'articleId', ${articleId}, 'seq', ${seq}, 'type', ${type}, 'at', now(), 'jobId', null,
    'progress', 0, 'article', jsonb_build_object('id', ${articleId}), 'job', null)`;

/**
 * `n` finished articles created over the last five months, each with a job, three steps, three
 * ledger rows and four events (the shape `npm run bench -- --scale` seeds at millions).
 */
async function seedFinishedArticles(db: Db, n: number) {
  await sql`
    insert into articles (tenant_id, title, content, source_url, content_hash, priority, status, summary, keywords,
      sentiment, event_seq, created_at, updated_at, processed_at)
    select 'default', 'Seeded ' || i, 'Content ' || i, 'https://seed.example/' || i, md5(i::text), 'NORMAL', 'COMPLETED',
           'Summary ' || i, array['a', 'b'], 'NEUTRAL', 4, t, t, t + interval '1 minute'
    from generate_series(1, ${n}::int) as i, lateral (select now() - i * interval '12 hours' as t) as c`.execute(db);
  await sql`
    insert into jobs (id, article_id, state, priority, attempt, max_attempts, queued_at, started_at, finished_at)
    select gen_random_uuid(), id, 'SUCCEEDED', priority, 1, 3, created_at, created_at, processed_at from articles`.execute(db);
  const steps = sql`cross join unnest(array['SUMMARY', 'KEYWORDS', 'SENTIMENT']) as s(step)`;
  await sql`
    insert into job_steps (job_id, step, state, started_at, finished_at, model)
    select j.id, s.step, 'DONE', j.started_at, j.finished_at, 'gpt-4o-mini' from jobs j ${steps}`.execute(db);
  await sql`
    insert into llm_calls (article_id, job_id, step, provider, model, prompt_version, input_tokens, output_tokens, cost_usd,
      latency_ms, attempt, created_at)
    select j.article_id, j.id, s.step, 'openai', 'gpt-4o-mini', 'v1', 600, 120, 0.000162, 900, 1, j.finished_at
    from jobs j ${steps}`.execute(db);
  await sql`
    insert into article_events (article_id, seq, type, job_id, payload, created_at)
    select j.article_id, e.seq, e.type, j.id, ${eventPayload(sql`j.article_id`, sql`e.seq`, sql`e.type`)},
           j.queued_at + e.seq * interval '1 second'
    from jobs j cross join unnest(array['QUEUED', 'STARTED', 'STEP_COMPLETED', 'COMPLETED']) with ordinality as e(type, seq)`.execute(
    db,
  );
}
