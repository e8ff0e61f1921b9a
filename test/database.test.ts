import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../src/db/database.js';
import { createTestDatabase, hasRealServices } from './support/services.js';

// Parameterised statements run as named prepared statements on PostgreSQL, planned once per
// connection (generic plans). One connection, so the session's pg_prepared_statements shows what was prepared.
describe.runIf(hasRealServices())('PostgreSQL connections', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDatabase({ kind: 'postgres', url: database.url, poolSize: 1, queryTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const prepared = async () =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'distill_%'`.execute(db)
    ).rows.map((r) => r.statement);

  it('prepares each parameterised statement once and reuses it with other values', async () => {
    const lookup = (n: number) => sql<{ n: number }>`select ${n}::int + 1 as n`.execute(db);
    expect((await lookup(1)).rows).toEqual([{ n: 2 }]);
    expect((await lookup(41)).rows).toEqual([{ n: 42 }]);
    const statements = await prepared();
    expect(statements.filter((s) => s.includes('select $1::int + 1 as n'))).toHaveLength(1);
  });

  it('plans each prepared statement once per connection (generic plans)', async () => {
    const rows = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db);
    expect(rows.rows).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
  });

  it('prepares nothing when turned off (for PgBouncer in transaction mode)', async () => {
    const plain = await createDatabase({
      kind: 'postgres',
      url: database.url,
      poolSize: 1,
      queryTimeoutMs: 10_000,
      preparedStatements: false,
    });
    try {
      await sql`select ${'unprepared'}::text as marker`.execute(plain);
      const rows = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(plain);
      expect(rows.rows).toEqual([{ n: 0 }]);
      const mode = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(plain);
      expect(mode.rows).toEqual([{ plan_cache_mode: 'auto' }]);
    } finally {
      await plain.destroy();
    }
  });

  it('runs statements without parameters unprepared', async () => {
    await sql`select 'no parameters here' as text`.execute(db);
    expect((await prepared()).some((s) => s.includes('no parameters here'))).toBe(false);
  });
});
