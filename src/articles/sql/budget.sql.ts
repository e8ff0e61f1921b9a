import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ArticleRow } from '../../db/tables.js';
import type { LlmCall } from '../article.model.js';
import { ARTICLE_STATUS_OF, TRANSITIONS } from '../job-states.js';
import { logJobEventsCte, stateList } from './event-sql.js';

/** The current month (UTC) as a date: budgets run from the first of a month to the next. */
export const THIS_MONTH = sql`date_trunc('month', now() at time zone 'UTC')::date`;

/** A scope's spend this month, and what calls in flight hold reserved (counters kept by every statement below). */
const spentSql = (scope: RawBuilder<unknown>) =>
  sql`coalesce((select sum(m.spent_usd) from budget_months m where m.scope = ${scope} and m.month = ${THIS_MONTH}), 0)`;
const reservedSql = (scope: RawBuilder<unknown>) =>
  sql`coalesce((select sum(m.reserved_usd) from budget_months m where m.scope = ${scope} and m.month = ${THIS_MONTH}), 0)`;

/**
 * Adds `delta` (a CTE of scope, month, spent, reserved) to the month counters, creating missing
 * rows: to one of 16 shards, picked at random once per statement, so concurrent statements seldom
 * wait on the same row. Readers sum the shards.
 */
const addToMonthsSql = (delta: string) =>
  sql.raw(`insert into budget_months (scope, month, shard, spent_usd, reserved_usd)
      select scope, month, (select floor(random() * 16)::smallint), sum(spent), sum(reserved) from ${delta} group by scope, month
      on conflict (scope, month, shard) do update set spent_usd = budget_months.spent_usd + excluded.spent_usd,
                                                      reserved_usd = budget_months.reserved_usd + excluded.reserved_usd`);

export interface Reservation {
  scopes: string[];
  usd: number;
  /** Reserve even over the limit (priorities a spent budget does not pause). */
  force: boolean;
  jobId: string;
  step: string;
  ttlMs: number;
}

/** The reservation's id, or the scope whose budget it would exceed. */
export type ReserveOutcome = { id: number } | { over: string };

/**
 * Reserves each call's estimate against the budgets of its scopes, in input order, unless it would
 * take a scope past its limit: one round trip to `budget_reserve` (migration 0009), which locks
 * the scopes first, so concurrent reservations cannot overshoot.
 */
export async function reserveBudget(db: Db, reservations: Reservation[]): Promise<ReserveOutcome[]> {
  const input = reservations.map((r, ord) => ({
    ord,
    scopes: r.scopes,
    usd: r.usd,
    force: r.force,
    job_id: r.jobId,
    step: r.step,
    ttl_ms: r.ttlMs,
  }));
  const { rows } = await sql<{ ord: number; over: string | null; id: string | null }>`
    select ord, over, id::text as id from budget_reserve(${JSON.stringify(input)}::jsonb)`.execute(db);
  const byOrd = new Map(rows.map((row) => [row.ord, row]));
  return input.map(({ ord }): ReserveOutcome => {
    const row = byOrd.get(ord)!;
    return row.over !== null ? { over: row.over } : { id: Number(row.id) };
  });
}

/** Drops a reservation whose call was not booked (it failed, or another delivery booked the step). */
export async function releaseReservation(db: Db, id: number): Promise<void> {
  await sql`
    with x as (delete from budget_reservations where id = ${id} returning scopes, month, usd),
    delta as (select s.scope, x.month, 0 as spent, -x.usd as reserved from x cross join lateral unnest(x.scopes) as s(scope))
    ${addToMonthsSql('delta')}`.execute(db);
}

/** Drops the reservations of calls whose worker was lost (past their expiry); returns how many. */
export async function expireReservations(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with x as (delete from budget_reservations where expires_at < now() returning scopes, month, usd),
    delta as (select s.scope, x.month, 0 as spent, -x.usd as reserved from x cross join lateral unnest(x.scopes) as s(scope)),
    upd as (${addToMonthsSql('delta')})
    select count(*)::int as n from x`.execute(db);
  return rows[0]?.n ?? 0;
}

/** A call's ledger entry as a worker books it, with the budget reservation it was made under. */
export type BookedCall = Pick<
  LlmCall,
  'articleId' | 'provider' | 'model' | 'promptVersion' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs'
> & {
  /** The budget reservation the call was made under, and the budgets' scopes it is spent in. */
  reservation?: { id: number; scopes: string[] };
};

/**
 * CTEs for the statement that books calls (`stored`: rows of `reservation_id`, `scopes`,
 * `cost_usd`), in the same transaction as their ledger rows: each call's cost is spent in its
 * scopes this month, and its reservation, if it has not expired meanwhile (a call may wait long for
 * a rate limit), is released.
 */
export function settleReservationsCtes(stored: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    bs as (${stored}),
    br as (
      delete from budget_reservations x using bs
      where x.id = bs.reservation_id
      returning x.scopes, x.month, x.usd),
    bd as (
      select s.scope, ${THIS_MONTH} as month, coalesce(bs.cost_usd, 0) as spent, 0 as reserved
      from bs cross join lateral unnest(bs.scopes) as s(scope)
      union all
      select s.scope, br.month, 0, -br.usd from br cross join lateral unnest(br.scopes) as s(scope)),
    bm as (${addToMonthsSql('bd')})`;
}

export interface BudgetRow {
  scope: string;
  limit_usd: number | null;
  spent_usd: number;
  reserved_usd: number;
  paused_jobs: number;
}

/** Every budget set, with this month's spend. */
export async function readBudgetSpend(db: Db): Promise<{ scope: string; limit_usd: number | null; spent_usd: number }[]> {
  const { rows } = await sql<{ scope: string; limit_usd: number | null; spent_usd: number }>`
    select b.scope, b.limit_usd::float8 as limit_usd, ${spentSql(sql`b.scope`)}::float8 as spent_usd
    from budgets b order by b.scope`.execute(db);
  return rows;
}

/** A scope's budget this month; limit null: none set. */
export async function readBudget(db: Db, scope: string): Promise<BudgetRow> {
  const s = sql`${scope}::text`;
  const { rows } = await sql<BudgetRow>`
    select ${scope}::text as scope, (select limit_usd from budgets where scope = ${scope})::float8 as limit_usd,
           ${spentSql(s)}::float8 as spent_usd, ${reservedSql(s)}::float8 as reserved_usd,
           (select count(*) from jobs join articles a on a.id = jobs.article_id
            where jobs.state = 'PAUSED_BUDGET' and (${scope} = '*' or a.tenant_id = ${scope}))::int as paused_jobs`.execute(db);
  return rows[0]!;
}

/** Every budget set: scope and limit. */
export async function listBudgets(db: Db): Promise<{ scope: string; limitUsd: number }[]> {
  const { rows } = await sql<{ scope: string; limit_usd: number }>`select scope, limit_usd::float8 from budgets`.execute(db);
  return rows.map((r) => ({ scope: r.scope, limitUsd: r.limit_usd }));
}

/**
 * Sets (or with null removes) a scope's monthly limit. A new budget starts from what the ledger
 * booked for the scope this month, so a budget set mid-month counts the month's earlier calls.
 */
export async function writeBudget(db: Db, scope: string, limitUsd: number | null, options: { onlyIfMissing?: boolean } = {}) {
  await db.transaction().execute(async (trx) => {
    if (limitUsd === null) {
      await sql`delete from budgets where scope = ${scope}`.execute(trx);
      return;
    }
    const { rows } = await sql<{ inserted: boolean }>`
      insert into budgets (scope, limit_usd) values (${scope}, ${limitUsd})
      on conflict (scope) do ${options.onlyIfMissing ? sql`nothing` : sql`update set limit_usd = excluded.limit_usd, updated_at = now()`}
      returning (xmax = 0) as inserted`.execute(trx);
    if (!rows[0]?.inserted) return;
    const tenant = scope === '*' ? sql`true` : sql`a.tenant_id = ${scope}`;
    // The month's spend restarts from the ledger (shard 0); reservations of calls in flight stay.
    await sql`update budget_months set spent_usd = 0 where scope = ${scope} and month = ${THIS_MONTH}`.execute(trx);
    await sql`
      insert into budget_months (scope, month, shard, spent_usd)
      select ${scope}, ${THIS_MONTH}, 0, coalesce(sum(c.cost_usd), 0)
      from llm_calls c join articles a on a.id = c.article_id
      where c.created_at >= ${THIS_MONTH}::timestamp at time zone 'UTC' and ${tenant}
      on conflict (scope, month, shard) do update set spent_usd = excluded.spent_usd`.execute(trx);
  });
}

export interface AlertRow {
  scope: string;
  month: string;
  threshold: number;
  limit_usd: number;
  spent_usd: number;
  created_at: Date;
}

/**
 * Records each threshold a scope's spend has reached this month, once per scope, month and
 * threshold, and queues its deliveries (`kinds`) in the outbox in the same statement. A scope in
 * `refused` turned a call away: it has reached every threshold up to 100 %.
 */
export async function recordBudgetAlerts(
  db: Db,
  scopes: string[],
  thresholds: number[],
  kinds: string[],
  refused: string[],
): Promise<AlertRow[]> {
  const { rows } = await sql<AlertRow>`
    with b as (
      select b.scope, b.limit_usd, ${spentSql(sql`b.scope`)} as spent
      from budgets b where b.scope = any(${scopes}::text[]) and b.limit_usd > 0),
    n as (
      insert into budget_alerts (scope, month, threshold, limit_usd, spent_usd)
      select b.scope, ${THIS_MONTH}, t.threshold, b.limit_usd, b.spent
      from b cross join unnest(${thresholds}::numeric[]) as t(threshold)
      where b.spent >= t.threshold * b.limit_usd or (b.scope = any(${refused}::text[]) and t.threshold <= 1)
      on conflict do nothing
      returning scope, to_char(month, 'YYYY-MM') as month, threshold::float8, limit_usd::float8, spent_usd::float8, created_at),
    o as (
      insert into outbox (kind, payload)
      select k.kind, to_jsonb(n) from n cross join unnest(${kinds}::text[]) as k(kind))
    select * from n`.execute(db);
  return rows;
}

const resume = TRANSITIONS.resume;

/**
 * `resume`: PAUSED_BUDGET jobs whose budgets have room again (raised, or a new month) go back to
 * QUEUED, with an outbox row each (a new message id: the queue may still remember the old one)
 * and a QUEUED event. At most `limit` per call, oldest first.
 */
export async function resumePausedJobs(db: Db, limit: number): Promise<(ArticleRow & { payload: string })[]> {
  const roomy = (scope: RawBuilder<unknown>) =>
    sql`(not exists (select 1 from budgets b where b.scope = ${scope})
         or exists (select 1 from budgets b where b.scope = ${scope}
                    and ${spentSql(sql`b.scope`)} + ${reservedSql(sql`b.scope`)} < b.limit_usd))`;
  const { rows } = await sql<ArticleRow & { payload: string }>`
    with p as (
      select jobs.id from jobs join articles on articles.id = jobs.article_id
      where jobs.state in (${stateList(resume.from)}) and ${roomy(sql`'*'`)} and ${roomy(sql`articles.tenant_id`)}
      order by jobs.queued_at limit ${sql.lit(limit)}),
    l as (
      select articles.id from articles join jobs on jobs.article_id = articles.id
      where jobs.id in (select id from p) order by articles.id for update of articles),
    j as (
      update jobs set state = ${resume.to}, error = null, error_kind = null
      where id in (select id from p) and state in (${stateList(resume.from)}) and article_id in (select id from l)
      returning *),
    a as (
      update articles set status = ${ARTICLE_STATUS_OF[resume.to]}, version = version + 1, event_seq = event_seq + 1,
                          updated_at = now()
      from j where articles.id = j.article_id
      returning articles.*),
    s as (update job_steps set state = ${resume.openSteps} where job_id in (select id from j) and state <> 'DONE'),
    o as (
      insert into outbox (kind, payload)
      select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority,
                                       'msgId', j.id || ':' || (extract(epoch from clock_timestamp()) * 1000000)::bigint)
      from j),
    ${logJobEventsCte('e', resume.event, sql`a.event_seq`)}
    select a.*, e.payload::text as payload from a join e on e.article_id = a.id`.execute(db);
  return rows;
}
