import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import * as initial from './migrations/0001-initial.js';
import * as stepStates from './migrations/0002-step-states.js';
import * as access from './migrations/0003-access.js';
import * as clientApi from './migrations/0004-client-api.js';

// Listed in code rather than read from disk, so migrations work the same from tsx, a bundle or a test.
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-step-states': stepStates,
  '0003-access': access,
  '0004-client-api': clientApi,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Applies every pending migration; safe to run from several processes at once (Kysely takes a lock).
 * Throws the first migration error. Returns the names applied by this call.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
