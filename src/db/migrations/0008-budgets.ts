import { sql, type Kysely } from 'kysely';

/**
 * Monthly budgets (`*` is the global one, otherwise a tenant's), what each month spent and holds
 * reserved (counters split over 16 shards, summed by readers: every booked call adds to one, and a
 * single row was a lock all workers' statements queued on), the reservations of calls in flight (each, so a lost worker's expire), the alerts
 * sent, and the job state PAUSED_BUDGET.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table budgets (
      scope text primary key,
      limit_usd numeric(14, 4) not null check (limit_usd >= 0),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table budget_months (
      scope text not null,
      month date not null,
      shard smallint not null default 0,
      spent_usd numeric(16, 8) not null default 0,
      reserved_usd numeric(16, 8) not null default 0,
      primary key (scope, month, shard)
    )`.execute(db);
  await sql`
    create table budget_reservations (
      id bigint generated always as identity primary key,
      scopes text[] not null,
      month date not null,
      usd numeric(16, 8) not null,
      job_id uuid,
      step text,
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index budget_reservations_expires_idx on budget_reservations (expires_at)`.execute(db);
  await sql`
    create table budget_alerts (
      scope text not null,
      month date not null,
      threshold numeric(5, 4) not null,
      limit_usd numeric(14, 4) not null,
      spent_usd numeric(16, 8) not null,
      created_at timestamptz not null default now(),
      primary key (scope, month, threshold)
    )`.execute(db);
  await sql`alter table jobs drop constraint jobs_state_check`.execute(db);
  await sql`
    alter table jobs add constraint jobs_state_check
      check (state in ('QUEUED', 'RUNNING', 'RETRYING', 'PAUSED_BUDGET', 'SUCCEEDED', 'FAILED', 'CANCELLED'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table jobs drop constraint jobs_state_check`.execute(db);
  await sql`
    alter table jobs add constraint jobs_state_check
      check (state in ('QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED'))`.execute(db);
  for (const table of ['budget_alerts', 'budget_reservations', 'budget_months', 'budgets'])
    await sql`drop table ${sql.table(table)}`.execute(db);
}
