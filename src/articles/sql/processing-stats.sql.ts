import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { TERMINAL_STATES } from '../job-states.js';
import { stateList } from './event-sql.js';

export interface ProcessingStatsRow {
  succeeded: number;
  failed: number;
  cancelled: number;
  open: number;
  avg_seconds: number | null;
  p95_seconds: number | null;
}

/**
 * Jobs queued in the last `minutes` (one tenant's, or every tenant's with null): how many
 * succeeded, failed, were cancelled or are still open, and the average and 95th percentile of the
 * succeeded ones' queued → finished time. Reads the window through `jobs_queued_idx`.
 */
export async function readProcessingStats(db: Db, tenant: string | null, minutes: number): Promise<ProcessingStatsRow> {
  const duration = sql`extract(epoch from j.finished_at - j.queued_at)`;
  const { rows } = await sql<ProcessingStatsRow>`
    select count(*) filter (where j.state = 'SUCCEEDED')::int as succeeded,
           count(*) filter (where j.state = 'FAILED')::int as failed,
           count(*) filter (where j.state = 'CANCELLED')::int as cancelled,
           count(*) filter (where j.state not in (${stateList(TERMINAL_STATES)}))::int as open,
           (avg(${duration}) filter (where j.state = 'SUCCEEDED'))::float8 as avg_seconds,
           (percentile_cont(0.95) within group (order by ${duration}) filter (where j.state = 'SUCCEEDED'))::float8 as p95_seconds
    from jobs j
    ${tenant === null ? sql`` : sql`join articles a on a.id = j.article_id and a.tenant_id = ${tenant}`}
    where j.queued_at >= now() - make_interval(mins => ${minutes})`.execute(db);
  return rows[0]!;
}
