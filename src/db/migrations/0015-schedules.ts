import { sql, type Kysely } from 'kysely';

/**
 * Scheduled jobs (what Celery beat did): each schedule's cron, its last run (claimed by exactly one
 * process per tick: the claim moves `last_run_at` forward only once), its result and next run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table schedules (
      name text primary key,
      cron text not null,
      last_run_at timestamptz,
      next_run_at timestamptz,
      last_result text,
      holder text,
      runs bigint not null default 0
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table schedules`.execute(db);
}
