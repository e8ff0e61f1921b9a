import { sql, type Kysely } from 'kysely';

/**
 * The content cache of step results, the saving each cached ledger row records, and whether an
 * article may be answered from the cache (`submitArticle(input: { cache: false })`).
 * A row with a null value is a lease: one worker is computing it and the others wait.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table llm_cache (
      key text primary key,
      value jsonb,
      provider text,
      model text,
      cost_usd numeric(14, 8),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      hits integer not null default 0,
      lease_until timestamptz,
      leased_by text
    )`.execute(db);
  await sql`alter table llm_calls add column saved_usd numeric(14, 8) not null default 0`.execute(db);
  await sql`alter table articles add column cache_enabled boolean not null default true`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table articles drop column cache_enabled`.execute(db);
  await sql`alter table llm_calls drop column saved_usd`.execute(db);
  await sql`drop table llm_cache`.execute(db);
}
