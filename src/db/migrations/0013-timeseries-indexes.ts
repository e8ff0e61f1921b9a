import { sql, type Kysely } from 'kysely';

/**
 * What `timeseries` reads by time: articles by creation (BRIN: rows are appended in time order, so
 * a block range summary is tiny and costs an insert nearly nothing), jobs by when they finished
 * (only finished ones), and retry events (only those: a small slice of the log).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index articles_created_brin on articles using brin (created_at)`.execute(db);
  await sql`create index jobs_finished_idx on jobs (finished_at) where finished_at is not null`.execute(db);
  await sql`create index article_events_retrying_idx on article_events (created_at) where type = 'RETRYING'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index article_events_retrying_idx`.execute(db);
  await sql`drop index jobs_finished_idx`.execute(db);
  await sql`drop index articles_created_brin`.execute(db);
}
