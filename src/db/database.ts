import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './tables.js';

export type Db = Kysely<Database>;

// One representation for both drivers: int8 and numeric become JS numbers.
// Ids stay far below 2^53 and costs are small decimals, so nothing is lost.
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (value: string) => Number(value);

/** Opens Kysely over PostgreSQL (pg pool) or PGlite, per config. Caller destroys it. */
export async function createDatabase(config: Config['database']): Promise<Db> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: 5_000,
      // A query on a connection whose server vanished (partition, blackhole) fails instead of hanging a job.
      query_timeout: config.queryTimeoutMs,
      keepAlive: true,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 || oid === NUMERIC ? toNumber : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A client that loses its server emits 'error' — idle ones on the pool, checked-out ones on
    // themselves. Unheard, either kills the process; the query that used it fails on its own.
    pool.on('error', () => {});
    const prepare = statementNames();
    pool.on('connect', (client) => {
      client.on('error', () => {});
      // Off behind a pooler that does not keep sessions (PgBouncer in transaction mode before 1.21).
      if (config.preparedStatements !== false) {
        // Our statements' plans do not depend on their parameters (jsonb batches, ids, enum
        // values), so each is planned once per connection: with the default `auto`, PostgreSQL
        // re-planned our CTE statements at every bind (its log: bind 0.33–0.61 → 0.11–0.36 ms).
        // Sent first: node-pg runs a client's queries in order.
        client.query('set plan_cache_mode = force_generic_plan').catch(() => {});
        usePreparedStatements(client, prepare);
      }
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const lite = await PGlite.create(config.dataDir, { parsers: { [INT8]: toNumber, [NUMERIC]: toNumber } });
  return new Kysely<Database>({ dialect: new PGliteDialect(lite) });
}

// Enough for every statement the code writes (with a few variants each); IN-lists of every length
// beyond that run unnamed.
const MAX_PREPARED = 500;

/** Gives each distinct parameterised SQL text a stable statement name, up to MAX_PREPARED. */
function statementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (!name && names.size < MAX_PREPARED) names.set(text, (name = `distill_${names.size}`));
    return name;
  };
}

/**
 * Runs Kysely's parameterised queries as named prepared statements: PostgreSQL parses and plans each
 * statement once per connection instead of on every execution. Our writes are single statements of
 * several CTEs, whose planning was a large share of PostgreSQL's CPU per article.
 */
function usePreparedStatements(client: pg.PoolClient, nameFor: (text: string) => string | undefined): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
      const name = nameFor(text);
      if (name) return query({ name, text, values });
    }
    return query(...args);
  };
}
