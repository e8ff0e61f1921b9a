import { sql, type Kysely } from 'kysely';

/**
 * The checkpoints of a long article's map-reduce: each chunk's summary, stored with the ledger row
 * of the call that wrote it, so a redelivered or retried job never pays for a finished chunk twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table article_chunks (
      article_id bigint not null references articles (id) on delete cascade,
      call_index integer not null,
      text text not null,
      created_at timestamptz not null default now(),
      primary key (article_id, call_index)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table article_chunks`.execute(db);
}
