import type { Db } from '../db/database.js';
import { keepPartitions } from '../db/partitions.js';
import type { Viewer } from '../access/viewer.js';
import type { ArticleService } from './article.service.js';
import type { BudgetService } from './budget.js';
import { deleteOldResults } from './sql/cleanup.sql.js';
import { purgeExpiredCacheEntries } from './step-cache.js';
import { createWorkerDirectory } from './worker-directory.js';

/** Articles deleted per statement by the cleanup, so one run never holds a long transaction. */
const CLEANUP_BATCH = 5_000;
/** Failed jobs re-queued per error kind per run at most. */
const REQUEUE_LIMIT = 10_000;

/**
 * What the scheduled jobs do (runtime/schedules.ts runs them, one process per tick). Each returns
 * a line for `schedules.lastResult`.
 */
export function createScheduledTasks(deps: {
  db: Db;
  articles: ArticleService;
  budgets: BudgetService;
  resumePaused: () => Promise<number>;
  retention: { eventDays: number; ledgerDays: number; resultDays: number };
  /** Who the scheduler acts as (an admin of every tenant), in the audit log too. */
  system: Viewer;
  alertThreshold: number;
}) {
  return {
    /** Expired partitions and cache entries, workers lost for a day, and (RESULT_RETENTION_DAYS) old finished articles. */
    async cleanup(): Promise<string> {
      const partitions = await keepPartitions(deps.db, {
        article_events: deps.retention.eventDays,
        llm_calls: deps.retention.ledgerDays,
      });
      const cache = await purgeExpiredCacheEntries(deps.db);
      let articles = 0;
      if (deps.retention.resultDays > 0)
        for (let n = CLEANUP_BATCH; n === CLEANUP_BATCH; articles += n)
          n = await deleteOldResults(deps.db, deps.retention.resultDays, CLEANUP_BATCH);
      const workers = await createWorkerDirectory(deps.db).forget();
      return `${partitions?.dropped.length ?? 0} partitions dropped, ${cache} cache entries, ${articles} articles and ${workers} lost workers deleted`;
    },

    /** FAILED jobs of the last 24 h whose error kind is one of `kinds`: queued again. */
    async retryFailed(kinds: readonly string[]): Promise<string> {
      const finishedAfter = new Date(Date.now() - 86_400_000);
      let queued = 0;
      for (const errorKind of kinds)
        queued += await deps.articles.retryMatching({ state: 'FAILED', errorKind, finishedAfter }, deps.system, REQUEUE_LIMIT);
      return `${queued} failed jobs queued again`;
    },

    /** Paused jobs whose budgets have room resume; how many budgets are past their first alert. */
    async budgetCheck(): Promise<string> {
      const resumed = await deps.resumePaused();
      const budgets = await deps.budgets.list();
      const past = budgets.filter((b) => b.limitUsd !== null && b.spentUsd >= b.limitUsd * deps.alertThreshold);
      return `${resumed} paused jobs resumed; ${past.length} of ${budgets.length} budgets past ${Math.round(deps.alertThreshold * 100)} %`;
    },
  };
}

export type ScheduledTasks = ReturnType<typeof createScheduledTasks>;
