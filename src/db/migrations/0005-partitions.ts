import { sql, type Kysely } from 'kysely';

/**
 * The event log and the cost ledger become partitioned by month of created_at, so old months go
 * by dropping a partition instead of deleting rows. In place: each table's existing rows become
 * its first partition, `<table>_before_<yyyymm>`, covering everything before next month (one scan
 * and one index build per table, under an exclusive lock; docs/OPERATIONS.md has the timings).
 * Later months' partitions are created ahead by db/partitions.ts.
 *
 * A primary key of a partitioned table must hold the partition key: article_events' becomes
 * (article_id, seq, created_at) and llm_calls' (id, created_at). Neither loses a guarantee that
 * is kept here: an event's seq and a step's single booking are decided under the article's row
 * lock by the statements that write them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = new Date();
  const bound = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const until = sql.lit(bound.toISOString());
  const suffix = `before_${bound.getUTCFullYear()}${String(bound.getUTCMonth() + 1).padStart(2, '0')}`;
  const events = sql.id(`article_events_${suffix}`);
  const calls = sql.id(`llm_calls_${suffix}`);

  await sql`alter table article_events rename to ${events}`.execute(db);
  await sql`alter table ${events} drop constraint article_events_pkey`.execute(db);
  await sql`alter table ${events} add primary key (article_id, seq, created_at)`.execute(db);
  await sql`
    create table article_events (
      article_id bigint not null references articles (id) on delete cascade,
      seq integer not null,
      type text not null,
      job_id uuid,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      primary key (article_id, seq, created_at)
    ) partition by range (created_at)`.execute(db);
  await sql`alter table article_events attach partition ${events} for values from (minvalue) to (${until})`.execute(db);

  const { rows } = await sql<{ next: string }>`select coalesce(max(id), 0) + 1 as next from llm_calls`.execute(db);
  await sql`alter table llm_calls rename to ${calls}`.execute(db);
  // A partition may not have an identity column; the partitioned table numbers rows from a sequence.
  await sql`alter table ${calls} alter column id drop identity`.execute(db);
  await sql`alter table ${calls} drop constraint llm_calls_pkey`.execute(db);
  await sql`alter table ${calls} drop constraint llm_calls_job_id_step_call_index_key`.execute(db);
  await sql`drop index llm_calls_article_idx`.execute(db);
  await sql`drop index llm_calls_created_idx`.execute(db);
  await sql`alter table ${calls} add primary key (id, created_at)`.execute(db);
  await sql`create sequence llm_calls_id_seq start with ${sql.lit(Number(rows[0]!.next))}`.execute(db);
  await sql`
    create table llm_calls (
      id bigint not null default nextval('llm_calls_id_seq'),
      article_id bigint not null references articles (id) on delete cascade,
      job_id uuid not null,
      step text not null,
      call_index integer not null default 0,
      provider text not null,
      model text not null,
      prompt_version text not null,
      input_tokens integer not null,
      output_tokens integer not null,
      cost_usd numeric(14, 8),
      latency_ms integer not null,
      cached boolean not null default false,
      attempt integer not null,
      created_at timestamptz not null default now(),
      primary key (id, created_at)
    ) partition by range (created_at)`.execute(db);
  await sql`alter sequence llm_calls_id_seq owned by llm_calls.id`.execute(db);
  await sql`alter table llm_calls attach partition ${calls} for values from (minvalue) to (${until})`.execute(db);
  // Ledger rows per article (Article.costUsd, Article.llmCalls); rows arrive in time order, so a
  // BRIN index serves time ranges (cost reports) at a fraction of a btree's upkeep.
  await sql`create index llm_calls_article_idx on llm_calls (article_id)`.execute(db);
  await sql`create index llm_calls_created_idx on llm_calls using brin (created_at)`.execute(db);
}

/** Back to plain tables, rows copied (offline, like `up`). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create table article_events_plain (like article_events including defaults)`.execute(db);
  await sql`insert into article_events_plain select * from article_events`.execute(db);
  await sql`drop table article_events`.execute(db);
  await sql`alter table article_events_plain rename to article_events`.execute(db);
  await sql`alter table article_events add primary key (article_id, seq)`.execute(db);
  await sql`alter table article_events add foreign key (article_id) references articles (id) on delete cascade`.execute(db);

  await sql`create table llm_calls_plain (like llm_calls)`.execute(db);
  await sql`insert into llm_calls_plain select * from llm_calls`.execute(db);
  await sql`drop table llm_calls`.execute(db);
  await sql`alter table llm_calls_plain rename to llm_calls`.execute(db);
  await sql`alter table llm_calls alter column id add generated always as identity`.execute(db);
  await sql`select setval(pg_get_serial_sequence('llm_calls', 'id'), coalesce(max(id), 0) + 1, false) from llm_calls`.execute(db);
  await sql`alter table llm_calls alter column call_index set default 0, alter column cached set default false,
    alter column created_at set default now()`.execute(db);
  await sql`alter table llm_calls add primary key (id), add unique (job_id, step, call_index)`.execute(db);
  await sql`alter table llm_calls add foreign key (article_id) references articles (id) on delete cascade`.execute(db);
  await sql`create index llm_calls_article_idx on llm_calls (article_id)`.execute(db);
  await sql`create index llm_calls_created_idx on llm_calls (created_at)`.execute(db);
}
