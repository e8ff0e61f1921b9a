import type { JobProcessor } from '../articles/job-processor.js';
import { BudgetExhaustedError, CancelledError } from '../lib/errors.js';
import type { ErrorReporter } from '../lib/error-reporter.js';
import type { Logger } from '../lib/logger.js';
import type { Priority } from '../lib/vocabulary.js';
import type { JobOutcome, Metrics } from '../metrics/metrics.js';
import type { Delivery } from '../queue/work-queue.js';
import { decide, type RetrySettings } from './retry-policy.js';

const RECORD_FAILED_DELAY_MS = 5_000;

/**
 * Runs one delivery to its outcome and settles the message exactly once:
 * success → ack; retryable → record RETRYING, nak(backoff); permanent or last attempt → record
 * FAILED, term; a spent budget → record PAUSED_BUDGET, ack; shutdown → nak(0) and record nothing. If the outcome cannot be recorded (database
 * down) the message is nak'ed, so the job comes back rather than being lost.
 */
export function createJobRunner(deps: {
  processor: JobProcessor;
  log: Logger;
  retry: RetrySettings;
  metrics?: Metrics;
  /** Hears how each delivery ended (the worker's own counts). */
  onOutcome?: (outcome: JobOutcome) => void;
  /** Unexpected errors (kind `internal`) go here besides the log (Sentry). */
  reporter?: ErrorReporter;
}) {
  const { processor, log, metrics } = deps;
  const counted = (outcome: JobOutcome, priority: Priority) => {
    metrics?.jobs.inc({ outcome, priority });
    deps.onOutcome?.(outcome);
  };

  return async function runDelivery(delivery: Delivery, signal: AbortSignal, shuttingDown: () => boolean): Promise<void> {
    const message = delivery.message;
    if (!message) {
      log.error({ raw: delivery.raw.slice(0, 200), priority: delivery.priority }, 'poison message: cannot parse; terminated');
      delivery.term();
      return;
    }
    const started = performance.now();
    let begun;
    try {
      begun = await processor.begin(message.jobId);
    } catch (err) {
      log.warn({ err, jobId: message.jobId, articleId: message.articleId }, 'could not start job; will retry');
      delivery.nak(RECORD_FAILED_DELAY_MS);
      return;
    }
    if (begun.kind === 'settled') {
      log.info({ jobId: message.jobId, articleId: message.articleId, reason: begun.reason }, 'nothing to do; message settled');
      await delivery.ack();
      return;
    }
    const { ctx } = begun;
    const { priority, queuedAt } = ctx.job;
    if (begun.kind === 'exhausted') {
      if (
        await record(delivery, () =>
          processor.fail(ctx, `gave up after ${ctx.job.attempt} attempts: the worker was lost each time`, 'exhausted'),
        )
      ) {
        delivery.term();
        counted('failed', priority);
        metrics?.failures.inc({ error_kind: 'exhausted' });
      }
      ctx.log.error({ attempt: ctx.job.attempt, maxAttempts: ctx.job.maxAttempts }, 'job failed: attempts exhausted');
      return;
    }

    if (ctx.job.startedAt) metrics?.queueWait.observe({ priority }, (ctx.job.startedAt.getTime() - queuedAt.getTime()) / 1000);
    // ctx.log already carries jobId, articleId and attempt.
    const summary = () => ({ maxAttempts: ctx.job.maxAttempts, ms: Math.round(performance.now() - started) });
    try {
      // The last step's statement usually completes the job; `complete` covers the rest (every
      // step already stored by an earlier delivery, or the job cancelled meanwhile).
      const completed = (await processor.runSteps(ctx, signal)) || (await processor.complete(ctx));
      await delivery.ack();
      counted(completed ? 'succeeded' : 'cancelled', priority);
      if (completed) metrics?.jobDuration.observe({ priority }, (Date.now() - queuedAt.getTime()) / 1000);
      ctx.log.info(summary(), completed ? 'job completed' : 'job finished after it was cancelled');
      return;
    } catch (err) {
      if (signal.reason instanceof CancelledError) {
        // The job row is CANCELLED already (cancel wrote it); the message has nothing left to do.
        await delivery.ack();
        counted('cancelled', priority);
        ctx.log.info(summary(), 'job cancelled while running');
        return;
      }
      if (err instanceof BudgetExhaustedError) {
        // Out of the queue until the budget has room (the resumer queues it again): not a failure.
        if (await record(delivery, () => processor.pause(ctx, `paused: ${err.message}`))) {
          await delivery.ack();
          counted('paused', priority);
        }
        ctx.log.warn({ ...summary(), scope: err.scope }, 'job paused: monthly budget spent');
        return;
      }
      const decision = decide(
        err,
        { number: ctx.job.attempt, max: ctx.job.maxAttempts, shuttingDown: shuttingDown(), queuedAt: ctx.job.queuedAt },
        deps.retry,
      );
      if (decision.kind === 'internal')
        deps.reporter?.capture(err, { articleId: ctx.article.id, jobId: ctx.job.id, attempt: ctx.job.attempt });
      if (decision.action === 'release') {
        delivery.nak(0);
        counted('released', priority);
        ctx.log.info(summary(), 'job released at shutdown');
      } else if (decision.action === 'retry') {
        const recorded = await record(delivery, () =>
          processor.retryLater(ctx, decision.message, decision.kind, decision.refundAttempt),
        );
        if (recorded) {
          delivery.nak(decision.delayMs);
          counted('retried', priority);
          metrics?.retries.inc({ error_kind: decision.kind });
        }
        ctx.log.warn(
          { ...summary(), kind: decision.kind, error: decision.message, delayMs: decision.delayMs },
          'job attempt failed; retrying',
        );
      } else {
        // nats-server 2.9 keeps a message that stops being delivered; term removes it once FAILED is recorded.
        if (await record(delivery, () => processor.fail(ctx, decision.message, decision.kind))) {
          delivery.term();
          counted('failed', priority);
          metrics?.failures.inc({ error_kind: decision.kind });
        }
        ctx.log.error({ ...summary(), kind: decision.kind, error: decision.message }, 'job failed');
      }
    }
  };

  /** Records an outcome in PostgreSQL; when that fails the message is nak'ed and false returned. */
  async function record(delivery: Delivery, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      log.warn({ err, jobId: delivery.message?.jobId }, 'could not record job outcome; message will be redelivered');
      delivery.nak(RECORD_FAILED_DELAY_MS);
      return false;
    }
  }
}
