import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { until } from './until.js';

/** Rows in the outbox: jobs not yet published (or not yet cleaned up), alerts not yet delivered. */
export async function outboxRows(db: Db): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Nothing lost and nothing twice, after a fault: every one of `count` articles COMPLETED, exactly
 * one ledger row per (article, step), and the outbox emptied (its cleaner runs every 100 ms).
 */
export async function expectCompletedOnce(db: Db, count: number): Promise<void> {
  const statuses = await db
    .selectFrom('articles')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .groupBy('status')
    .execute();
  expect(statuses).toEqual([{ status: 'COMPLETED', n: count }]);
  const perStep = await db
    .selectFrom('llm_calls')
    .select(['article_id', 'step', sql<number>`count(*)::int`.as('n')])
    .groupBy(['article_id', 'step'])
    .execute();
  expect(perStep).toHaveLength(count * 3);
  expect(perStep.filter((r) => r.n !== 1)).toEqual([]);
  await until(
    () => outboxRows(db),
    (n) => n === 0,
    10_000,
  );
}
