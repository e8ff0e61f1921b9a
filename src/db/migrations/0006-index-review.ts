import { sql, type Kysely } from 'kysely';

/**
 * Indexes that no statement reads are dropped: each one costs every insert. articles.content_hash
 * is written for the result cache and read by nothing yet; the cache brings the index it reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists articles_content_hash_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists articles_content_hash_idx on articles (content_hash)`.execute(db);
}
