import { sql, type Kysely } from 'kysely';

/** Each worker's heartbeat: who it is, what it runs, how much it did (the `workers` query). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table workers (
      id text primary key,
      host text not null,
      version text not null,
      started_at timestamptz not null,
      last_seen_at timestamptz not null default now(),
      concurrency integer not null,
      in_flight integer not null,
      processed bigint not null,
      failed bigint not null,
      draining boolean not null default false
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table workers`.execute(db);
}
