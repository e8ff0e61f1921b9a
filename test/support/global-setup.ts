import 'vitest';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { buildDashboard } from '../../dashboard/build.js';

export interface Services {
  /** Admin URL of the real PostgreSQL (its `postgres` database), or null when unreachable. */
  postgresAdminUrl: string | null;
  /** Name of the migrated template database each test file clones. */
  templateDb: string;
  natsUrl: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: Services;
  }
}

const TEMPLATE = 'distill_test_template';

/**
 * Finds the real services (TEST_DATABASE_URL / TEST_NATS_URL, defaults on localhost) and prepares
 * a migrated template database. In CI their absence fails the run; elsewhere the suites that need
 * them run on the embedded adapters, and this says so once.
 */
export default async function setup(project: TestProject): Promise<void> {
  // The API serves the dashboard from its build: the browser tests see the sources as they are now.
  await buildDashboard();
  const postgresAdminUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const natsUrl = process.env.TEST_NATS_URL || 'nats://127.0.0.1:4222';
  const pgOk = await reachPostgres(postgresAdminUrl);
  const natsOk = await reachNats(natsUrl);
  const missing = [!pgOk && `PostgreSQL at ${postgresAdminUrl}`, !natsOk && `nats-server at ${natsUrl}`].filter(Boolean);
  if (missing.length > 0) {
    if (process.env.CI) throw new Error(`CI requires the real services; unreachable: ${missing.join(', ')}`);
    console.warn(
      `\n[distill tests] unreachable: ${missing.join(', ')}.\n` +
        `[distill tests] Suites on real services run on the embedded adapters (PGlite, in-process queue) instead;\n` +
        `[distill tests] multi-process and real-service suites are skipped. Start the services for the full run.\n`,
    );
  }
  if (pgOk) await prepareTemplate(postgresAdminUrl);
  project.provide('services', {
    postgresAdminUrl: pgOk ? postgresAdminUrl : null,
    templateDb: TEMPLATE,
    natsUrl: natsOk ? natsUrl : null,
  });
}

async function reachPostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function reachNats(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 3_000 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

async function prepareTemplate(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE} with (force)`);
    await admin.query(`create database ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE}`;
  const db = await createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1, queryTimeoutMs: 60_000 });
  await migrateToLatest(db);
  await db.destroy();
}
