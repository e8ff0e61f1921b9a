import { startRollupUpkeep } from './rollup-upkeep.js';
import { answerOffline } from '../articles/step-catalog.js';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { sql } from 'kysely';
import type { Config } from '../config/config.js';
import { createDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { EventBus } from '../events/event-bus.js';
import { MemoryEventBus } from '../events/memory.event-bus.js';
import { NatsEventBus } from '../events/nats.event-bus.js';
import type { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { createModelLimits, type ModelLimits } from '../access/model-limits.js';
import { createSharedBuckets } from '../access/shared-bucket.js';
import { createLlmRouter, type LlmRouter } from '../llm/llm-router.js';
import { JetStreamWorkQueue } from '../queue/jetstream.queue.js';
import { MemoryWorkQueue } from '../queue/memory.queue.js';
import { startRetentionUpkeep } from './retention-upkeep.js';
import type { WorkQueue } from '../queue/work-queue.js';

export interface Infrastructure {
  db: Db;
  nc: NatsConnection | undefined;
  queue: WorkQueue;
  bus: EventBus;
  llm: LlmRouter;
  /** True when the database and NATS (if used) answer. */
  ready(): Promise<boolean>;
}

// JetStream keeps redelivering up to this many times; our own attempt counter (jobs.attempt)
// decides failure long before, and a 429 does not use up an attempt.
const MAX_DELIVER = 1_000;

/**
 * Connects the external parts chosen by config (PostgreSQL or PGlite, NATS or in-process) and
 * registers each with the lifecycle, so they close in reverse order.
 */
export async function createInfrastructure(config: Config, log: Logger, lifecycle: Lifecycle): Promise<Infrastructure> {
  const db = await createDatabase(config.database);
  lifecycle.add('database', () => db.destroy());
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ applied }, 'database migrated');
  const upkeep = await startRetentionUpkeep(db, config.retention, log);
  lifecycle.add('retention upkeep', () => upkeep.stop());
  const rollups = startRollupUpkeep(db, log);
  lifecycle.add('time series rollups', () => rollups.stop());

  let nc: NatsConnection | undefined;
  let queue: WorkQueue;
  let bus: EventBus;
  let gate: ModelLimits | undefined;
  const queueOptions = {
    namespace: config.namespace,
    ackWaitMs: config.worker.ackWaitMs,
    maxDeliver: MAX_DELIVER,
    replicas: config.nats.kind === 'nats' ? config.nats.replicas : 1,
  };
  if (config.nats.kind === 'nats') {
    const connection = await connect({
      servers: config.nats.servers,
      name: `distill-${process.pid}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // Otherwise every request (each JetStream publish, each fetch) builds two Error objects up
      // front for their stack traces, which we never print.
      noAsyncTraces: true,
    });
    nc = connection;
    lifecycle.add('nats', () => connection.drain());
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ nats: status.type }, 'nats connection');
      }
    })();
    queue = new JetStreamWorkQueue(connection, queueOptions);
    bus = new NatsEventBus(connection, config.namespace);
  } else {
    queue = new MemoryWorkQueue(queueOptions);
    bus = new MemoryEventBus();
  }
  await queue.start();
  lifecycle.add('queue', () => queue.stop());
  await bus.start();
  lifecycle.add('event bus', () => bus.stop());
  // Shared rate limits of the models: configured ones, and those the providers' headers state.
  const llm = config.llm;
  const callsProviders = llm.openai !== undefined || llm.anthropic !== undefined;
  if (Object.keys(llm.rateLimits).length > 0 || (llm.rateLimitHeaders && callsProviders)) {
    const buckets = createSharedBuckets(db, (err) => log.warn({ err }, 'model rate limit unavailable: call admitted'));
    const limits = createModelLimits(buckets, llm.rateLimits, { learn: llm.rateLimitHeaders, bus, log });
    await limits.start();
    lifecycle.add('model limits', async () => limits.stop());
    gate = limits;
  }

  return {
    db,
    nc,
    queue,
    bus,
    llm: createLlmRouter(config.llm, answerOffline, gate),
    async ready() {
      await sql`select 1`.execute(db);
      if (nc) await nc.rtt();
      return true;
    },
  };
}
