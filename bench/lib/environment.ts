import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createApiKeyRepository } from '../../src/access/api-key.repository.js';
import { jobNames } from '../../src/queue/jetstream.queue.js';

export const POSTGRES_ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.BENCH_NATS_URL || 'nats://127.0.0.1:4222';

export interface BenchEnvironment {
  namespace: string;
  databaseUrl: string;
  env: Record<string, string>;
  /** A key of the bench tenant, for `Authorization: Bearer`. */
  apiKey: string;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database and NATS namespace for one scenario. */
export async function createBenchEnvironment(extra: Record<string, string> = {}): Promise<BenchEnvironment> {
  const id = randomBytes(4).toString('hex');
  const name = `distill_bench_${id}`;
  const namespace = `bench${id}`;
  await admin(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1, queryTimeoutMs: 60_000 });
  await migrateToLatest(db);
  // Measured as deployed: AUTH=required, one key whose limits never bind.
  const { key } = await createApiKeyRepository(db).create({
    tenantId: 'bench',
    scopes: ['articles:read', 'articles:write'],
    limits: { ratePerSecond: 1e7, rateBurst: 1e7, dailyArticles: 1e9 },
  });
  await db.destroy();
  return {
    namespace,
    databaseUrl: url.toString(),
    apiKey: key,
    env: {
      AUTH: 'required',
      MAX_JOBS_IN_FLIGHT_PER_TENANT: '100000000',
      MAX_CONNECTIONS_PER_CLIENT: '100000',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '100000',
      DATABASE_URL: url.toString(),
      NATS_URL,
      DISTILL_NAMESPACE: namespace,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      SCHEDULE_CLEANUP: 'off',
      SCHEDULE_RETRY_FAILED: 'off',
      SCHEDULE_BUDGET_CHECK: 'off',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    cleanup: async () => {
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(jobNames(namespace).stream).catch(() => false);
      await nc.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
