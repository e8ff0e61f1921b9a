import type { Db } from '../db/database.js';
import type { PriorityQueueStats, WorkQueue } from '../queue/work-queue.js';
import { createScheduleRepository, type ScheduleView } from './schedule.repository.js';
import { readProcessingStats } from './sql/processing-stats.sql.js';
import { readTimeseries, type TimeSeries, type TimeseriesQuery } from './timeseries.js';
import type { WorkerDirectory, WorkerInfo } from './worker-directory.js';

export type { PriorityQueueStats } from '../queue/work-queue.js';
export type { WorkerInfo } from './worker-directory.js';
export type { ScheduleView } from './schedule.repository.js';

/** What an operator reads of the running system (Flower's view): the queue per priority and the workers. */
export interface Operations {
  queueStats(): Promise<PriorityQueueStats[]>;
  workers(): Promise<WorkerInfo[]>;
  /** Jobs queued in the last `minutes`, one tenant's (null: all): outcomes and durations. */
  processingStats(tenant: string | null, minutes: number): Promise<ProcessingStats>;
  /** The scheduled jobs: cron, last and next run, last result. */
  schedules(): Promise<ScheduleView[]>;
  /** A metric over time (see timeseries.ts), one tenant's (null: all). */
  timeseries(query: TimeseriesQuery, tenant: string | null): Promise<TimeSeries[]>;
}

export interface ProcessingStats {
  minutes: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  open: number;
  /** Succeeded of those that ended succeeded or failed; null when none did. */
  successRate: number | null;
  avgSeconds: number | null;
  p95Seconds: number | null;
}

export function createOperations(deps: { db: Db; queue: Pick<WorkQueue, 'stats'>; directory: WorkerDirectory }): Operations {
  const scheduled = createScheduleRepository(deps.db);
  return {
    queueStats: () => deps.queue.stats(),
    workers: () => deps.directory.list(),
    timeseries: (query, tenant) => readTimeseries(deps.db, query, tenant),
    schedules: () => scheduled.list(),
    async processingStats(tenant, minutes) {
      const row = await readProcessingStats(deps.db, tenant, minutes);
      const ended = row.succeeded + row.failed;
      return {
        minutes,
        succeeded: row.succeeded,
        failed: row.failed,
        cancelled: row.cancelled,
        open: row.open,
        successRate: ended === 0 ? null : row.succeeded / ended,
        avgSeconds: row.avg_seconds,
        p95Seconds: row.p95_seconds,
      };
    },
  };
}
