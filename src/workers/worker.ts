import { JOB_CANCEL_TOPIC } from '../articles/article-event.js';
import { createJobProcessor } from '../articles/job-processor.js';
import { createWatchList } from '../articles/watch-list.js';
import { createBudgetGuard, type BudgetSettings } from '../articles/budget.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import { CancelledError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { LlmRouter } from '../llm/llm-router.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ErrorReporter } from '../lib/error-reporter.js';
import { VERSION } from '../lib/version.js';
import { hostname } from 'node:os';
import { createWorkerDirectory, HEARTBEAT_MS } from '../articles/worker-directory.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { createJobDispatcher } from './job-dispatcher.js';
import { createJobRunner } from './job-runner.js';

/** A worker: takes jobs from the queue and runs the pipeline, WORKER_CONCURRENCY at a time. */
export function createWorker(deps: {
  db: Db;
  queue: WorkQueue;
  bus: EventBus;
  llm: LlmRouter;
  log: Logger;
  config: Config['worker'];
  cacheTtlSeconds: number;
  streamSummary: boolean;
  budget: BudgetSettings;
  metrics?: Metrics;
  reporter?: ErrorReporter;
}) {
  const directory = createWorkerDirectory(deps.db);
  const counts = { processed: 0, failed: 0 };
  const startedAt = new Date();
  let draining = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const { config } = deps;
  const log = deps.log.child({ workerId: config.id });
  const watched = deps.streamSummary ? createWatchList(deps.bus) : undefined;
  const budget = createBudgetGuard({ db: deps.db, bus: deps.bus, log, settings: deps.budget });
  const processor = createJobProcessor({
    db: deps.db,
    bus: deps.bus,
    llm: deps.llm,
    log,
    workerId: config.id,
    cacheTtlSeconds: deps.cacheTtlSeconds,
    watched,
    budget,
    metrics: deps.metrics,
  });
  const run = createJobRunner({
    processor,
    log,
    metrics: deps.metrics,
    reporter: deps.reporter,
    onOutcome: (outcome) => {
      if (outcome === 'succeeded' || outcome === 'failed') counts.processed++;
      if (outcome === 'failed') counts.failed++;
    },
    retry: { backoffBaseMs: config.backoffBaseMs, backoffMaxMs: config.backoffMaxMs, deadlineMs: config.deadlineMs },
  });
  const dispatcher = createJobDispatcher({
    queue: deps.queue,
    run,
    log,
    options: {
      concurrency: config.concurrency,
      ackWaitMs: config.ackWaitMs,
      agingMs: config.agingMs,
      shutdownGraceMs: config.shutdownGraceMs,
    },
  });
  let unsubscribe: (() => void) | undefined;

  /** Writes this worker's heartbeat (see worker-directory.ts); a missed one is retried by the next. */
  const beat = () =>
    directory
      .beat({
        id: config.id,
        host: hostname(),
        version: VERSION,
        startedAt,
        concurrency: config.concurrency,
        inFlight: dispatcher.inFlight,
        ...counts,
        draining,
      })
      .catch((err: unknown) => log.warn({ err }, 'worker heartbeat failed'));

  return {
    get inFlight() {
      return dispatcher.inFlight;
    },
    async start(): Promise<void> {
      // A cancel is written by whichever API instance received it; the worker running the job hears it here.
      unsubscribe = await deps.bus.subscribe(JOB_CANCEL_TOPIC, (_topic, payload) => {
        const { jobId } = payload as { jobId?: unknown };
        if (typeof jobId !== 'string') return;
        if (dispatcher.abortJob(jobId, new CancelledError())) log.info({ jobId }, 'aborting cancelled job');
      });
      await watched?.start();
      await budget.start();
      dispatcher.start();
      await beat();
      heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
      heartbeat.unref();
      log.info({ concurrency: config.concurrency }, 'worker started');
    },
    async stop(): Promise<void> {
      unsubscribe?.();
      draining = true;
      await beat();
      await dispatcher.stop();
      clearInterval(heartbeat);
      // Gone cleanly: not a lost worker.
      await directory.remove(config.id).catch((err: unknown) => log.warn({ err }, 'could not remove the worker heartbeat'));
      watched?.stop();
      await budget.stop();
      log.info('worker stopped');
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
