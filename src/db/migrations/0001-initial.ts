import { sql, type Kysely } from 'kysely';

/** Articles, jobs, step checkpoints, the cost ledger, the event log and the outbox. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table articles (
      id bigint generated always as identity primary key,
      owner_id text,
      title text not null,
      content text not null,
      source_url text not null,
      content_hash text not null,
      priority text not null check (priority in ('HIGH', 'NORMAL', 'LOW')),
      status text not null check (status in ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED')),
      summary text,
      keywords text[],
      sentiment text check (sentiment in ('POSITIVE', 'NEGATIVE', 'NEUTRAL')),
      error text,
      version integer not null default 1,
      event_seq integer not null default 0,
      batch_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      processed_at timestamptz
    )`.execute(db);
  await sql`create index articles_status_created_idx on articles (status, created_at desc)`.execute(db);
  await sql`create index articles_content_hash_idx on articles (content_hash)`.execute(db);

  await sql`
    create table jobs (
      id uuid primary key,
      article_id bigint not null references articles (id) on delete cascade,
      state text not null check (state in ('QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
      priority text not null,
      attempt integer not null default 0,
      max_attempts integer not null,
      queued_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      error text,
      error_kind text,
      worker_id text
    )`.execute(db);
  await sql`create index jobs_article_idx on jobs (article_id, queued_at desc)`.execute(db);
  await sql`create index jobs_state_idx on jobs (state)`.execute(db);

  await sql`
    create table job_steps (
      job_id uuid not null references jobs (id) on delete cascade,
      step text not null check (step in ('SUMMARY', 'KEYWORDS', 'SENTIMENT')),
      state text not null check (state in ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
      started_at timestamptz,
      finished_at timestamptz,
      cached boolean not null default false,
      model text,
      error text,
      primary key (job_id, step)
    )`.execute(db);

  await sql`
    create table llm_calls (
      id bigint generated always as identity primary key,
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
      unique (job_id, step, call_index)
    )`.execute(db);
  await sql`create index llm_calls_article_idx on llm_calls (article_id)`.execute(db);
  await sql`create index llm_calls_created_idx on llm_calls (created_at)`.execute(db);

  await sql`
    create table article_events (
      article_id bigint not null references articles (id) on delete cascade,
      seq integer not null,
      type text not null,
      job_id uuid,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      primary key (article_id, seq)
    )`.execute(db);

  await sql`
    create table outbox (
      id bigint generated always as identity primary key,
      kind text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      attempts integer not null default 0
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['outbox', 'article_events', 'llm_calls', 'job_steps', 'jobs', 'articles']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
