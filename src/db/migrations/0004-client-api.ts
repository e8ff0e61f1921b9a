import { sql, type Kysely } from 'kysely';

/**
 * What the client API reads and writes beyond single articles: batches, idempotency keys, the
 * indexes behind listings (keyset by id per status, jobs by state and time) and trigram search over
 * the title and the start of the content (pg_trgm works for Korean and other scripts
 * without word boundaries, where full-text parsers do not).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    create table batches (
      id uuid primary key,
      tenant_id text not null,
      total integer not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index articles_batch_idx on articles (batch_id) where batch_id is not null`.execute(db);

  // A key maps to what its first request created (and a hash of that request, so a different
  // request under the same key is refused); a repeat after `expires_at` starts afresh.
  await sql`
    create table idempotency_keys (
      tenant_id text not null,
      key text not null,
      article_id bigint,
      job_id uuid,
      batch_id uuid,
      request_hash text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (tenant_id, key)
    )`.execute(db);
  await sql`create index idempotency_keys_expires_idx on idempotency_keys (expires_at)`.execute(db);

  // Listings page by id (newest first); the status filter has its own keyset index.
  await sql`drop index if exists articles_status_created_idx`.execute(db);
  await sql`create index articles_status_id_idx on articles (status, id)`.execute(db);
  // The searched text lives in its own row, written once: articles rows are updated at every step,
  // and each new row version would extract every trigram again.
  await sql`
    create table article_search (
      article_id bigint primary key references articles (id) on delete cascade,
      doc text not null
    )`.execute(db);
  await sql`insert into article_search (article_id, doc) select id, title || ' ' || left(content, 1000) from articles`.execute(
    db,
  );
  await sql`create index article_search_doc_idx on article_search using gin (doc gin_trgm_ops)`.execute(db);

  await sql`drop index if exists jobs_state_idx`.execute(db);
  // Jobs page newest first by queue time: all of them, or those in one state (dead letters).
  await sql`create index jobs_state_queued_idx on jobs (state, queued_at, id)`.execute(db);
  await sql`create index jobs_queued_idx on jobs (queued_at, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists jobs_queued_idx`.execute(db);
  await sql`drop index if exists jobs_state_queued_idx`.execute(db);
  await sql`create index if not exists jobs_state_idx on jobs (state)`.execute(db);
  await sql`drop table if exists article_search`.execute(db);
  await sql`drop index if exists articles_status_id_idx`.execute(db);
  await sql`create index if not exists articles_status_created_idx on articles (status, created_at desc)`.execute(db);
  await sql`drop table if exists idempotency_keys`.execute(db);
  await sql`drop index if exists articles_batch_idx`.execute(db);
  await sql`drop table if exists batches`.execute(db);
}
