import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { WorkerRow } from '../db/tables.js';

/** How often a worker writes its heartbeat. */
export const HEARTBEAT_MS = 3_000;
/** A worker not heard from for this long is lost (three heartbeats missed, and a little more). */
export const LOST_AFTER_MS = 10_000;
/** A lost worker stays listed this long, then the cleanup deletes its row. */
const FORGET_AFTER = '1 day';

export type WorkerState = 'active' | 'draining' | 'lost';

/** A worker as its heartbeats describe it. */
export interface WorkerInfo {
  id: string;
  host: string;
  version: string;
  startedAt: Date;
  lastSeenAt: Date;
  concurrency: number;
  inFlight: number;
  processed: number;
  failed: number;
  state: WorkerState;
}

export type Heartbeat = Omit<WorkerInfo, 'lastSeenAt' | 'state'> & { draining: boolean };

/**
 * The workers of a deployment, from their heartbeats in PostgreSQL (`workers`): each worker
 * upserts its row every HEARTBEAT_MS and deletes it when it stops cleanly; a row not refreshed for
 * LOST_AFTER_MS reads as lost (killed, or cut off); the daily cleanup forgets it after a day.
 */
export function createWorkerDirectory(db: Db) {
  return {
    async beat(h: Heartbeat): Promise<void> {
      await db
        .insertInto('workers')
        .values({
          id: h.id,
          host: h.host,
          version: h.version,
          started_at: h.startedAt,
          last_seen_at: sql<Date>`now()`,
          concurrency: h.concurrency,
          in_flight: h.inFlight,
          processed: h.processed,
          failed: h.failed,
          draining: h.draining,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            host: eb.ref('excluded.host'),
            version: eb.ref('excluded.version'),
            started_at: eb.ref('excluded.started_at'),
            last_seen_at: sql<Date>`now()`,
            concurrency: eb.ref('excluded.concurrency'),
            in_flight: eb.ref('excluded.in_flight'),
            processed: eb.ref('excluded.processed'),
            failed: eb.ref('excluded.failed'),
            draining: eb.ref('excluded.draining'),
          })),
        )
        .execute();
    },

    /** Deletes the rows of workers lost for more than a day (the daily cleanup); returns how many. */
    async forget(): Promise<number> {
      const rows = await db
        .deleteFrom('workers')
        .where('last_seen_at', '<', sql<Date>`now() - ${FORGET_AFTER}::interval`)
        .execute();
      return Number(rows[0]?.numDeletedRows ?? 0);
    },

    async remove(id: string): Promise<void> {
      await db.deleteFrom('workers').where('id', '=', id).execute();
    },

    /** Every worker heard from in the last day, active ones first. */
    async list(): Promise<WorkerInfo[]> {
      const { rows } = await sql<
        WorkerRow & { lost: boolean }
      >`select *, last_seen_at < now() - make_interval(secs => ${LOST_AFTER_MS / 1000}) as lost
         from workers where last_seen_at >= now() - ${FORGET_AFTER}::interval order by lost, id`.execute(db);
      return rows.map((r) => ({
        id: r.id,
        host: r.host,
        version: r.version,
        startedAt: r.started_at,
        lastSeenAt: r.last_seen_at,
        concurrency: r.concurrency,
        inFlight: r.in_flight,
        processed: Number(r.processed),
        failed: Number(r.failed),
        state: r.lost ? 'lost' : r.draining ? 'draining' : 'active',
      }));
    },
  };
}

export type WorkerDirectory = ReturnType<typeof createWorkerDirectory>;
