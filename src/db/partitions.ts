import { sql } from 'kysely';
import type { Db } from './database.js';

/** The tables partitioned by month of created_at (migration 0005). */
export const MONTHLY_TABLES = ['article_events', 'llm_calls'] as const;
export type MonthlyTable = (typeof MONTHLY_TABLES)[number];

/** Months created ahead of the current one: inserts never find their month missing while any process runs. */
const MONTHS_AHEAD = 2;

const DAY_MS = 86_400_000;

export interface Partition {
  name: string;
  /** Its range [from, to); from is null for the first partition (MINVALUE). */
  from: Date | null;
  to: Date;
}

const monthStart = (d: Date, plusMonths = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plusMonths, 1));
const monthName = (table: MonthlyTable, d: Date) =>
  `${table}_${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

/** The partitions of `table` in range order, with their bounds. */
export async function listPartitions(db: Db, table: MonthlyTable): Promise<Partition[]> {
  // The bounds are read back with the session's own date style, so any DateStyle parses.
  const { rows } = await sql<{ name: string; from: Date | null; to: Date }>`
    select name, (regexp_match(bound, 'FROM [(]''([^'']+)''[)]'))[1]::timestamptz as "from",
           (regexp_match(bound, 'TO [(]''([^'']+)''[)]'))[1]::timestamptz as "to"
    from (select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
          from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = ${table}::regclass) p
    order by 3`.execute(db);
  return rows.map((r) => ({ name: r.name, from: r.from && new Date(r.from), to: new Date(r.to) }));
}

/**
 * Creates `table`'s monthly partitions from the end of its last one up to MONTHS_AHEAD months
 * after `now`. Returns the names created.
 */
export async function createMonthsAhead(db: Db, table: MonthlyTable, now: Date): Promise<string[]> {
  const partitions = await listPartitions(db, table);
  const last = partitions.at(-1);
  if (!last) throw new Error(`${table} has no partition (migration 0005 not applied?)`);
  const created: string[] = [];
  for (let from = last.to; from < monthStart(now, MONTHS_AHEAD + 1); from = monthStart(from, 1)) {
    const name = monthName(table, from);
    await sql`create table ${sql.id(name)} partition of ${sql.table(table)}
      for values from (${sql.lit(from.toISOString())}) to (${sql.lit(monthStart(from, 1).toISOString())})`.execute(db);
    created.push(name);
  }
  return created;
}

/**
 * Detaches and drops `table`'s partitions whose every row is older than `retentionDays` before
 * `now` (the partition's range ends before that). Returns the names dropped.
 */
export async function dropExpired(db: Db, table: MonthlyTable, now: Date, retentionDays: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const expired = (await listPartitions(db, table)).filter((p) => p.to <= cutoff);
  for (const { name } of expired) {
    await sql`alter table ${sql.table(table)} detach partition ${sql.id(name)}`.execute(db);
    await sql`drop table ${sql.id(name)}`.execute(db);
  }
  return expired.map((p) => p.name);
}

export interface PartitionUpkeep {
  created: string[];
  dropped: string[];
}

/**
 * One round of upkeep for every monthly table: next months created, expired months dropped
 * (retention 0 keeps every month). One process at a time (a transaction-level advisory lock);
 * undefined when another holds it.
 */
export async function keepPartitions(
  db: Db,
  retentionDays: Record<MonthlyTable, number>,
  now = new Date(),
): Promise<PartitionUpkeep | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(hashtext('distill.partitions')) as locked`.execute(trx);
    if (!rows[0]!.locked) return undefined;
    // DDL on a partitioned table waits for its lock behind running statements, and queues every
    // insert behind itself meanwhile: give up quickly instead, and try again next round.
    await sql`set local lock_timeout = '5s'`.execute(trx);
    const upkeep: PartitionUpkeep = { created: [], dropped: [] };
    for (const table of MONTHLY_TABLES) {
      upkeep.created.push(...(await createMonthsAhead(trx, table, now)));
      const days = retentionDays[table];
      if (days > 0) upkeep.dropped.push(...(await dropExpired(trx, table, now, days)));
    }
    return upkeep;
  });
}
