import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/** A stored answer: the step's value and the call that paid for it. */
export interface CacheEntry {
  value: string | string[];
  provider: string;
  model: string;
  costUsd: number | null;
}

export type ClaimOutcome =
  | { kind: 'hit'; entry: CacheEntry }
  /** This worker holds the lease: it computes the answer and fills the entry (or releases it). */
  | { kind: 'lead' }
  /** Another worker holds the lease for this many more milliseconds. */
  | { kind: 'wait'; leaseMs: number };

interface ClaimRow {
  key: string;
  value: string | string[] | null;
  provider: string | null;
  model: string | null;
  cost_usd: number | null;
  claimed: boolean;
  lease_ms: number | null;
}

/**
 * For each key at once: a live entry (counted as a hit), or the lease on a missing, expired or
 * abandoned one, or how long another worker's lease still runs. Keys must be distinct.
 */
export async function claimCacheEntries(
  db: Db,
  claims: { key: string; leaseMs: number }[],
  workerId: string,
): Promise<ClaimOutcome[]> {
  const { rows } = await sql<ClaimRow>`
    with r as (select * from jsonb_to_recordset(${JSON.stringify(claims.map((c) => ({ key: c.key, lease_ms: c.leaseMs })))}::jsonb)
               as r(key text, lease_ms int)),
    hit as (
      update llm_cache c set hits = c.hits + 1
      from r where c.key = r.key and c.value is not null and c.expires_at > now()
      returning c.key, c.value, c.provider, c.model, c.cost_usd),
    claim as (
      insert into llm_cache (key, expires_at, lease_until, leased_by)
      select r.key, now(), now() + make_interval(secs => r.lease_ms / 1000.0), ${workerId}
      from r where r.key not in (select key from hit)
      on conflict (key) do update set value = null, lease_until = excluded.lease_until, leased_by = excluded.leased_by
        where (llm_cache.value is null or llm_cache.expires_at <= now())
          and (llm_cache.lease_until is null or llm_cache.lease_until < now())
      returning key)
    select r.key, hit.value, hit.provider, hit.model, hit.cost_usd, claim.key is not null as claimed,
           (select ceil(extract(epoch from c.lease_until - now()) * 1000)::int from llm_cache c where c.key = r.key) as lease_ms
    from r left join hit on hit.key = r.key left join claim on claim.key = r.key`.execute(db);
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return claims.map(({ key }): ClaimOutcome => {
    const row = byKey.get(key)!;
    if (row.value !== null)
      return { kind: 'hit', entry: { value: row.value, provider: row.provider!, model: row.model!, costUsd: row.cost_usd } };
    if (row.claimed) return { kind: 'lead' };
    return { kind: 'wait', leaseMs: Math.max(0, row.lease_ms ?? 0) };
  });
}

/** Gives up this worker's lease on a key it did not fill (the call failed): the next worker may claim it. */
export async function releaseCacheLease(db: Db, key: string, workerId: string): Promise<void> {
  await sql`delete from llm_cache where key = ${key} and value is null and leased_by = ${workerId}`.execute(db);
}

/** Deletes expired entries and abandoned leases; returns how many. */
export async function purgeExpiredCacheEntries(db: Db): Promise<number> {
  const result = await sql`
    delete from llm_cache where expires_at < now() and (lease_until is null or lease_until < now())`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
