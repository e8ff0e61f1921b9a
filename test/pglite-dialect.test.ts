import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTempDataDir } from './support/services.js';

describe('PGlite dialect', () => {
  let db: Db;
  let dir: ReturnType<typeof createTempDataDir>;
  beforeAll(async () => {
    dir = createTempDataDir();
    db = await createDatabase({ kind: 'pglite', dataDir: dir.dir });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    await dir.drop();
  });

  it('serializes concurrent transactions: each sees only its own writes, and a rollback undoes only its own', async () => {
    await sql`create table counter (n int not null)`.execute(db);
    await sql`insert into counter values (0)`.execute(db);
    const increments = Array.from({ length: 20 }, (_, i) =>
      db.transaction().execute(async (tx) => {
        const { rows } = await sql<{ n: number }>`select n from counter`.execute(tx);
        await Promise.resolve(); // yield: other transactions would interleave here without the mutex
        await sql`update counter set n = ${rows[0]!.n + 1}`.execute(tx);
        if (i % 5 === 0) throw new Error('roll back this one');
      }),
    );
    const results = await Promise.allSettled(increments);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(4);
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(db);
    expect(rows[0]!.n).toBe(16);
  });

  it('returns bigint and numeric columns as numbers, like the pg driver', async () => {
    const { rows } = await sql<{ a: number; b: number }>`select 9007199254740::int8 as a, 0.00012345::numeric as b`.execute(db);
    expect(rows[0]).toEqual({ a: 9007199254740, b: 0.00012345 });
  });
});
