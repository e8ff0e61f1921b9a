import { GLOBAL_SCOPE, type BudgetService } from '../articles/budget.js';
import type { Logger } from '../lib/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';

/**
 * This process's Prometheus metrics with the collectors that mirror state held elsewhere: the
 * queue per priority (always), budgets and open subscriptions (once those parts exist).
 */
export function createProcessMetrics(queue: Pick<WorkQueue, 'stats'>, log: Logger) {
  const metrics = createMetrics();
  metrics.addCollector(async () => {
    for (const q of await queue.stats()) {
      metrics.queueDepth.set({ priority: q.priority }, q.pending);
      metrics.queueInFlight.set({ priority: q.priority }, q.inFlight);
      metrics.queueRedelivered.set({ priority: q.priority }, q.redelivered);
      metrics.queueOldestWait.set({ priority: q.priority }, (q.oldestWaitMs ?? 0) / 1000);
    }
  });
  return {
    metrics,
    /** The text exposition, for /metrics. */
    exposition: () => metrics.exposition((err) => log.warn({ err }, 'a metrics collector failed')),
    watchBudgets(budgets: Pick<BudgetService, 'list'>): void {
      metrics.addCollector(async () => {
        // The global budget only: /metrics answers without a key, and tenants' names and spend are theirs.
        for (const b of (await budgets.list()).filter((x) => x.scope === GLOBAL_SCOPE)) {
          metrics.budgetSpent.set({ scope: b.scope }, b.spentUsd);
          if (b.limitUsd !== null) metrics.budgetLimit.set({ scope: b.scope }, b.limitUsd);
        }
      });
    },
    watchSubscriptions(hub: { listenerCount: number }): void {
      metrics.addCollector(() => metrics.subscriptions.set(hub.listenerCount));
    },
  };
}
