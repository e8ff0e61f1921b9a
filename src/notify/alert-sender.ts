import nodemailer from 'nodemailer';
import type { Logger } from '../lib/logger.js';

/** A budget threshold crossed: what every channel tells. */
export interface BudgetAlert {
  /** Stable per scope, month and threshold: receivers de-duplicate a redelivery by it. */
  id: string;
  /** `*` for the global budget, otherwise the tenant's name. */
  scope: string;
  month: string;
  /** The fraction of the limit crossed (0.8: 80 %). */
  threshold: number;
  limitUsd: number;
  spentUsd: number;
  at: string;
}

export interface AlertChannels {
  webhookUrl?: string;
  email?: { smtpUrl: string; from: string; to: string[] };
}

const WEBHOOK_TIMEOUT_MS = 10_000;

/** Delivers an alert by webhook (POST, JSON) and by email through SMTP; each throws when its channel refused. */
export function createAlertSender(channels: AlertChannels, log: Logger) {
  const mailer = channels.email ? nodemailer.createTransport(channels.email.smtpUrl) : undefined;
  return {
    channels: [...(channels.webhookUrl ? ['webhook' as const] : []), ...(channels.email ? ['email' as const] : [])],

    async webhook(alert: BudgetAlert): Promise<void> {
      if (!channels.webhookUrl) return;
      const response = await fetch(channels.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': alert.id },
        body: JSON.stringify({ type: 'budget.alert', alert }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`alert webhook answered ${response.status}`);
      log.info({ alertId: alert.id }, 'budget alert posted to the webhook');
    },

    async email(alert: BudgetAlert): Promise<void> {
      if (!mailer || !channels.email) return;
      const percent = Math.round(alert.threshold * 100);
      const budget = alert.scope === '*' ? 'the monthly LLM budget' : `the monthly LLM budget of tenant ${alert.scope}`;
      await mailer.sendMail({
        from: channels.email.from,
        to: channels.email.to,
        subject: `Distill: ${percent} % of ${budget} spent (${alert.month})`,
        text:
          `$${alert.spentUsd.toFixed(2)} of $${alert.limitUsd.toFixed(2)} is spent in ${alert.month}: ` +
          `${budget} crossed ${percent} %.\nAlert ${alert.id} at ${alert.at}.`,
        headers: { 'X-Distill-Alert': alert.id },
      });
      log.info({ alertId: alert.id }, 'budget alert emailed');
    },

    close(): void {
      mailer?.close();
    },
  };
}

export type AlertSender = ReturnType<typeof createAlertSender>;
