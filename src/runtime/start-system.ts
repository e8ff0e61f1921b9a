import { fileURLToPath } from 'node:url';
import { createApiKeyRepository } from '../access/api-key.repository.js';
import { createAuthenticator } from '../access/authenticator.js';
import { createKeyLimits } from '../access/key-limits.js';
import { createSharedBuckets } from '../access/shared-bucket.js';
import { createListingRepository } from '../articles/listing.repository.js';
import { createCostReportRepository } from '../articles/cost-report.repository.js';
import { createArticleReader } from '../articles/article.repository.js';
import { createArticleService, type ArticleService } from '../articles/article.service.js';
import { createOutboxCleaner, createOutboxRelay } from '../articles/outbox.relay.js';
import { createSubmissionQuota } from '../articles/submission-quota.js';
import type { Config } from '../config/config.js';
import { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { startApiServer, type ApiServer } from '../server/api.server.js';
import { ArticleEventHub } from '../server/article-event.hub.js';
import { createWorker, type Worker } from '../workers/worker.js';
import { startBudgets } from './budgets.js';
import { createInfrastructure, type Infrastructure } from './infrastructure.js';
import { NO_ERROR_REPORTER } from '../lib/error-reporter.js';
import { startSentry } from './sentry.js';
import { SYSTEM_VIEWER } from '../access/viewer.js';
import { createScheduledTasks } from '../articles/scheduled-tasks.js';
import { startSchedules } from './schedules.js';
import { createOperations } from '../articles/operations.js';
import { createWorkerDirectory } from '../articles/worker-directory.js';
import { startMetricsServer } from './metrics-server.js';
import { createProcessMetrics } from './process-metrics.js';

/** Where `npm run build:dashboard` (run by npm install) puts the dashboard. */
const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface RunningSystem {
  infra: Infrastructure;
  articles: ArticleService;
  api: ApiServer | undefined;
  /** The API's subscription fan-out (its counts are what a subscription leak would show). */
  hub: ArticleEventHub | undefined;
  worker: Worker | undefined;
  /** Where Prometheus scrapes this process: the API's /metrics, or METRICS_PORT's. */
  metricsUrl: string | undefined;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
}

/**
 * Starts the parts of Distill a command asks for, on the backends the config chooses.
 * If start-up fails half-way, what was started is stopped again before the error is thrown.
 */
export async function startSystem(config: Config, roles: Roles, log: Logger): Promise<RunningSystem> {
  const lifecycle = new Lifecycle(log);
  try {
    // First in, last out: what the other parts report while they stop is still sent.
    const sentry = config.sentry ? startSentry(config.sentry) : undefined;
    if (sentry) lifecycle.add('sentry', () => sentry.flush());
    const reporter = sentry ?? NO_ERROR_REPORTER;
    const infra = await createInfrastructure(config, log, lifecycle);
    const observed = createProcessMetrics(infra.queue, log);
    const { metrics, exposition } = observed;
    const outbox = createOutboxCleaner({ db: infra.db, log });
    lifecycle.add('outbox cleaner', () => outbox.stop());
    const buckets = createSharedBuckets(infra.db, (err) => log.warn({ err }, 'rate limit unavailable: request admitted'));
    const keyLimits = createKeyLimits(buckets, config.limits);
    const reader = createArticleReader(infra.db);
    const articles = createArticleService({
      quota: createSubmissionQuota({ reader, limits: keyLimits, maxInFlightPerTenant: config.limits.maxInFlightPerTenant }),
      outbox,
      db: infra.db,
      queue: infra.queue,
      bus: infra.bus,
      log,
      maxContentChars: config.limits.maxContentChars,
      maxAttempts: config.worker.maxAttempts,
      maxBatchItems: config.limits.maxBatchItems,
      idempotencyTtlMs: config.limits.idempotencyTtlMs,
      metrics,
    });
    lifecycle.add('queue publishes', () => articles.stop());
    const budgets = await startBudgets(config, infra, log, lifecycle);
    observed.watchBudgets(budgets.service);
    // Every process relays the outbox: whichever is alive when the queue comes back publishes.
    const relay = createOutboxRelay({
      db: infra.db,
      queue: infra.queue,
      log,
      intervalMs: config.outboxRelayIntervalMs,
      deliveries: budgets.deliveries,
    });
    relay.start();
    lifecycle.add('outbox relay', () => relay.stop());
    const schedules = await startSchedules({
      db: infra.db,
      schedules: config.schedules,
      tasks: createScheduledTasks({
        db: infra.db,
        articles,
        budgets: budgets.service,
        resumePaused: () => budgets.resumer.now(),
        retention: config.retention,
        system: SYSTEM_VIEWER,
        alertThreshold: config.budget.alertThresholds[0] ?? 0.8,
      }),
      holder: config.worker.id,
      log,
    });
    lifecycle.add('schedules', () => schedules.stop());

    let api: ApiServer | undefined;
    let hub: ArticleEventHub | undefined;
    if (roles.api) {
      hub = new ArticleEventHub(infra.bus);
      lifecycle.add('event hub', async () => hub!.stop());
      const auth = createAuthenticator({ keys: createApiKeyRepository(infra.db), ...config.auth });
      if (auth.mode === 'off')
        log.warn(
          { host: config.host },
          'AUTH=off: the API is open to anyone who can reach it (set AUTH=required and create keys)',
        );
      api = await startApiServer(
        {
          reader,
          listing: createListingRepository(infra.db),
          costs: createCostReportRepository(infra.db),
          budgets: budgets.service,
          operations: createOperations({ db: infra.db, queue: infra.queue, directory: createWorkerDirectory(infra.db) }),
          bus: infra.bus,
          articles,
          hub,
          log,
          auth,
          keyLimits,
          reporter,
        },
        {
          host: config.host,
          port: config.port,
          graphiql: config.graphiql,
          maxBodyBytes: config.limits.maxBodyBytes,
          http: config.http,
          graphql: config.graphql,
          ready: infra.ready,
          metrics: exposition,
          dashboardDir: DASHBOARD_DIR,
        },
      );
      observed.watchSubscriptions(hub);
      lifecycle.add('api server', () => api!.stop());
      log.info(
        { url: `${api.url}/graphql` },
        `GraphQL API ready${config.graphiql ? ' (GraphiQL in a browser)' : ''}: ${api.url}/graphql; dashboard: ${api.url}/dashboard/`,
      );
    }

    let worker: Worker | undefined;
    if (roles.worker) {
      worker = createWorker({
        db: infra.db,
        queue: infra.queue,
        bus: infra.bus,
        llm: infra.llm,
        log,
        config: config.worker,
        cacheTtlSeconds: config.llm.cacheTtlSeconds,
        streamSummary: config.llm.streamSummary,
        budget: budgets.settings,
        metrics,
        reporter,
      });
      await worker.start();
      lifecycle.add('worker', () => worker!.stop(), config.worker.shutdownGraceMs + 5_000);
    }
    // Without the API, /metrics gets a port of its own (METRICS_PORT).
    let metricsUrl = api ? `${api.url}/metrics` : undefined;
    if (!api) {
      const server = await startMetricsServer({ host: config.host, port: config.metricsPort }, exposition, log);
      lifecycle.add('metrics server', () => server.stop());
      metricsUrl = `${server.url}/metrics`;
      log.info({ url: metricsUrl }, 'Prometheus metrics ready');
    }
    return { infra, articles, api, hub, worker, metricsUrl, lifecycle, stop: () => lifecycle.stop() };
  } catch (err) {
    // What could not be stopped is logged; the start-up error is the one to report.
    await lifecycle.stop().catch(() => {});
    throw err;
  }
}
