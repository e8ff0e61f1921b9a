import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { PGliteDialect } from './pglite-dialect.js';
import { createPreparedStatements } from './prepared-statements.js';
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
    const prepare = config.preparedStatements !== false ? createPreparedStatements() : undefined;
    pool.on('connect', (client) => {
      client.on('error', () => {});
      prepare?.(client);
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const lite = await PGlite.create(config.dataDir, {
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
    extensions: { pg_trgm },
  });
  return new Kysely<Database>({ dialect: new PGliteDialect(lite) });
}
