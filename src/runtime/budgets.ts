import {
  BUDGET_ALERT_TOPIC,
  createBudgetResumer,
  createBudgetService,
  GLOBAL_SCOPE,
  toBudgetAlert,
  type BudgetSettings,
} from '../articles/budget.js';
import type { OutboxDelivery } from '../articles/outbox.relay.js';
import type { Config } from '../config/config.js';
import type { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { createAlertSender } from '../notify/alert-sender.js';
import type { Infrastructure } from './infrastructure.js';

/**
 * Budgets in every process: the global budget from config, the resumer of paused jobs, and the
 * deliveries of budget alerts (the bus for `budgetAlerts` and the log, the webhook, email) that
 * the outbox relay makes.
 */
export async function startBudgets(config: Config, infra: Infrastructure, log: Logger, lifecycle: Lifecycle) {
  const sender = createAlertSender(config.alerts, log);
  lifecycle.add('alert sender', async () => sender.close());
  const resumer = createBudgetResumer({ db: infra.db, bus: infra.bus, log, intervalMs: config.budget.resumeIntervalMs });
  resumer.start();
  lifecycle.add('budget resumer', () => resumer.stop());
  const service = createBudgetService({
    db: infra.db,
    bus: infra.bus,
    resumer,
    alertThresholds: config.budget.alertThresholds,
  });
  if (config.budget.globalLimitUsd !== undefined) await service.seedGlobal(config.budget.globalLimitUsd);

  const deliveries: Record<string, OutboxDelivery> = {
    alert: async (payload) => {
      const alert = toBudgetAlert(payload);
      infra.bus.publish(BUDGET_ALERT_TOPIC, alert);
      log.warn(
        { alertId: alert.id, scope: alert.scope, threshold: alert.threshold, spentUsd: alert.spentUsd, limitUsd: alert.limitUsd },
        alert.scope === GLOBAL_SCOPE ? 'monthly budget alert' : `monthly budget alert for tenant ${alert.scope}`,
      );
    },
    'alert.webhook': (payload) => sender.webhook(toBudgetAlert(payload)),
    'alert.email': (payload) => sender.email(toBudgetAlert(payload)),
  };
  const settings: BudgetSettings = {
    alertThresholds: config.budget.alertThresholds,
    pausePriorities: config.budget.pausePriorities,
    alertKinds: ['alert', ...sender.channels.map((channel) => `alert.${channel}`)],
  };
  return { service, settings, deliveries, resumer };
}
