import { sql, type Kysely } from 'kysely';

/**
 * Per-minute rollups of the time series (`timeseries`): for each metric, minute, tenant and label
 * values, a count or sum — or, for durations, the count in each histogram bucket (`idx`; -1 for a
 * plain value). `metric_rollup_state` says up to which minute each metric is rolled up; later
 * minutes are read from the raw rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table metric_rollups (
      metric text not null,
      minute timestamptz not null,
      tenant text not null,
      priority text not null default '',
      step text not null default '',
      model text not null default '',
      provider text not null default '',
      status text not null default '',
      idx integer not null default -1,
      value double precision not null,
      primary key (metric, minute, tenant, priority, step, model, provider, status, idx)
    )`.execute(db);
  await sql`create table metric_rollup_state (metric text primary key, rolled_to timestamptz not null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table metric_rollup_state`.execute(db);
  await sql`drop table metric_rollups`.execute(db);
}
