import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/**
 * Deletes up to `limit` COMPLETED articles processed more than `days` days ago, with everything
 * that hangs off them (jobs, steps, ledger rows, events: on delete cascade). Returns how many.
 */
export async function deleteOldResults(db: Db, days: number, limit: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with d as (
      delete from articles where id in (
        select id from articles where status = 'COMPLETED' and processed_at < now() - make_interval(days => ${days})
        order by id limit ${limit})
      returning 1)
    select count(*)::int as n from d`.execute(db);
  return rows[0]!.n;
}
