import { createArticleReader } from '../articles/article.repository.js';
import { createArticleService, type ArticleService } from '../articles/article.service.js';
import { createOutboxCleaner, createOutboxRelay } from '../articles/outbox.relay.js';
import type { Config } from '../config/config.js';
import { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { startApiServer, type ApiServer } from '../server/api.server.js';
import { ArticleEventHub } from '../server/article-event.hub.js';
import { createWorker, type Worker } from '../workers/worker.js';
import { createInfrastructure, type Infrastructure } from './infrastructure.js';

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface RunningSystem {
  infra: Infrastructure;
  articles: ArticleService;
  api: ApiServer | undefined;
  worker: Worker | undefined;
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
    const infra = await createInfrastructure(config, log, lifecycle);
    const outbox = createOutboxCleaner({ db: infra.db, log });
    lifecycle.add('outbox cleaner', () => outbox.stop());
    const articles = createArticleService({
      outbox,
      db: infra.db,
      queue: infra.queue,
      bus: infra.bus,
      log,
      maxContentChars: config.limits.maxContentChars,
      maxAttempts: config.worker.maxAttempts,
    });
    lifecycle.add('queue publishes', () => articles.stop());
    // Every process relays the outbox: whichever is alive when the queue comes back publishes.
    const relay = createOutboxRelay({ db: infra.db, queue: infra.queue, log, intervalMs: config.outboxRelayIntervalMs });
    relay.start();
    lifecycle.add('outbox relay', () => relay.stop());

    let api: ApiServer | undefined;
    if (roles.api) {
      const hub = new ArticleEventHub(infra.bus);
      lifecycle.add('event hub', async () => hub.stop());
      api = await startApiServer(
        { reader: createArticleReader(infra.db), articles, hub, log },
        {
          host: config.host,
          port: config.port,
          graphiql: config.graphiql,
          maxBodyBytes: config.limits.maxBodyBytes,
          ready: infra.ready,
        },
      );
      lifecycle.add('api server', () => api!.stop());
      log.info(
        { url: `${api.url}/graphql` },
        `GraphQL API ready${config.graphiql ? ' (GraphiQL in a browser)' : ''}: ${api.url}/graphql`,
      );
    }

    let worker: Worker | undefined;
    if (roles.worker) {
      worker = createWorker({ db: infra.db, queue: infra.queue, bus: infra.bus, llm: infra.llm, log, config: config.worker });
      await worker.start();
      lifecycle.add('worker', () => worker!.stop(), config.worker.shutdownGraceMs + 5_000);
    }
    return { infra, articles, api, worker, lifecycle, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
