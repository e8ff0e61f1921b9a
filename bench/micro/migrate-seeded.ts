/**
 * How long migration 0005 (monthly partitions, in place) takes on an installation that already
 * holds finished work: a database migrated to 0004, seeded with N finished articles (each with its
 * job, three steps, three ledger rows and four events), then migrated to the latest.
 * `node --import tsx bench/micro/migrate-seeded.ts [articles]` (default 1,000,000)
 */
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { round } from '../lib/stats.js';
import { seedFinishedArticles } from '../scenarios/scale.js';

const articles = Number(process.argv[2]) || 1_000_000;
const environment = await createBenchEnvironment();
const client = new pg.Client({ connectionString: environment.databaseUrl });
await client.connect();
const db = await createDatabase({ kind: 'postgres', url: environment.databaseUrl, poolSize: 1, queryTimeoutMs: 3_600_000 });
try {
  await migrateTo(db, '0004-client-api');
  let t = performance.now();
  await seedFinishedArticles(client, articles);
  const seedSeconds = round((performance.now() - t) / 1000);
  const { rows } = await client.query<{ mb: number }>('select (pg_database_size(current_database()) / 1048576)::int as mb');
  t = performance.now();
  await migrateToLatest(db);
  console.log({ articles, seedSeconds, databaseMB: rows[0]!.mb, migrateSeconds: round((performance.now() - t) / 1000) });
} finally {
  await db.destroy();
  await client.end();
  await environment.cleanup();
}
