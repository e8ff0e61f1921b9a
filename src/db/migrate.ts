import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import { keepPartitions } from './partitions.js';
import * as initial from './migrations/0001-initial.js';
import * as stepStates from './migrations/0002-step-states.js';
import * as access from './migrations/0003-access.js';
import * as clientApi from './migrations/0004-client-api.js';
import * as partitions from './migrations/0005-partitions.js';
import * as indexReview from './migrations/0006-index-review.js';
import * as llmCache from './migrations/0007-llm-cache.js';
import * as budgets from './migrations/0008-budgets.js';
import * as budgetReserve from './migrations/0009-budget-reserve.js';
import * as articleOptions from './migrations/0010-article-options.js';
import * as articleChunks from './migrations/0011-article-chunks.js';
import * as workers from './migrations/0012-workers.js';
import * as timeseriesIndexes from './migrations/0013-timeseries-indexes.js';
import * as metricRollups from './migrations/0014-metric-rollups.js';
import * as schedules from './migrations/0015-schedules.js';

// Listed in code rather than read from disk, so migrations work the same from tsx, a bundle or a test.
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-step-states': stepStates,
  '0003-access': access,
  '0004-client-api': clientApi,
  '0005-partitions': partitions,
  '0006-index-review': indexReview,
  '0007-llm-cache': llmCache,
  '0008-budgets': budgets,
  '0009-budget-reserve': budgetReserve,
  '0010-article-options': articleOptions,
  '0011-article-chunks': articleChunks,
  '0012-workers': workers,
  '0013-timeseries-indexes': timeseriesIndexes,
  '0014-metric-rollups': metricRollups,
  '0015-schedules': schedules,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Applies every pending migration and creates the monthly partitions ahead; safe to run from
 * several processes at once (Kysely takes a lock, and so does partition upkeep).
 * Throws the first migration error. Returns the names applied by this call.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  // Every database this returns can take this month's and the next months' rows (no retention here).
  await keepPartitions(db, { article_events: 0, llm_calls: 0 });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name` (for testing a migration on older data). */
export async function migrateTo(db: Db, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
