import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

const EXPIRED_PER_CLAIM = 10;

/** What a key's first request created. */
export interface KeyedResult {
  articleId: number | null;
  jobId: string | null;
  batchId: string | null;
  requestHash: string;
}

/**
 * Claims `key` for a new request: true when the key is new or its previous use has expired (it is
 * then reset). While another transaction holds the same fresh key, this waits for it to commit, so
 * two racing repeats never both create. Run inside the transaction that writes the request.
 * Each claim also deletes up to EXPIRED_PER_CLAIM other expired keys, so the table holds about a
 * TTL's worth of keys.
 */
export async function claimKey(
  db: Db,
  p: { tenantId: string; key: string; requestHash: string; ttlMs: number },
): Promise<boolean> {
  const { rows } = await sql`
    with expired as (
      delete from idempotency_keys where ctid in (
        select ctid from idempotency_keys
        where expires_at <= now() and not (tenant_id = ${p.tenantId} and key = ${p.key})
        limit ${EXPIRED_PER_CLAIM} for update skip locked))
    insert into idempotency_keys (tenant_id, key, request_hash, expires_at)
    values (${p.tenantId}, ${p.key}, ${p.requestHash}, now() + ${p.ttlMs} * interval '1 millisecond')
    on conflict (tenant_id, key) do update
      set request_hash = excluded.request_hash, expires_at = excluded.expires_at, created_at = now(),
          article_id = null, job_id = null, batch_id = null
      where idempotency_keys.expires_at <= now()
    returning 1`.execute(db);
  return rows.length > 0;
}

/** What a fresh (unexpired) key created; undefined when there is none. */
export async function findKey(db: Db, tenantId: string, key: string): Promise<KeyedResult | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['article_id', 'job_id', 'batch_id', 'request_hash'])
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row && { articleId: row.article_id, jobId: row.job_id, batchId: row.batch_id, requestHash: row.request_hash };
}

/** Records what the claimed key's request created. */
export async function recordKey(
  db: Db,
  tenantId: string,
  key: string,
  created: { articleId: number | null; jobId: string | null; batchId: string | null },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ article_id: created.articleId, job_id: created.jobId, batch_id: created.batchId })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .execute();
}
