import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

export interface BucketShape {
  /** Tokens the bucket holds when full (the burst). */
  capacity: number;
  /** Tokens added per second. */
  perSecond: number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Lease {
  tokens: number;
  until: number;
  fetching?: Promise<void>;
}

const OK: Take = { ok: true };

/** Local tokens expire: a process must not bank tokens it leased long ago. */
const LEASE_MS = 1_000;

/**
 * Token buckets shared by every API replica: the bucket lives in PostgreSQL (`rate_buckets`), and
 * each process leases tokens in chunks and spends them locally, so a busy key costs one statement
 * per chunk rather than one per request. The total handed out never exceeds the bucket's tokens;
 * a replica may sit on up to one chunk it does not use, for at most a second.
 * When the database cannot be reached the limit is not enforced (the request will meet the outage
 * anyway) rather than failing every request.
 */
export function createSharedBuckets(db: Db, onError: (err: unknown) => void) {
  const leases = new Map<string, Lease>();

  async function takeFromDatabase(id: string, want: number, shape: BucketShape): Promise<{ granted: number; tokens: number }> {
    const { rows } = await sql<{ granted: number; tokens: number }>`
      with current as (
        select coalesce(
          (select least(${shape.capacity}::float8, tokens + extract(epoch from now() - updated_at) * ${shape.perSecond}::float8)
             from rate_buckets where id = ${id} for update),
          ${shape.capacity}::float8) as tokens
      ), granted as (
        select greatest(0, least(${want}::int, floor(tokens)::int)) as n, tokens from current
      )
      insert into rate_buckets as b (id, tokens, updated_at)
      select ${id}, tokens - n, now() from granted
      on conflict (id) do update set tokens = excluded.tokens, updated_at = excluded.updated_at
      returning (select n from granted) as granted, b.tokens`.execute(db);
    return rows[0]!;
  }

  return {
    /**
     * Empties bucket `id` until `ms` from now, for every process: its tokens go below zero by what
     * refills in that time (a limit's owner said its quota is spent until then).
     */
    async hold(id: string, shape: BucketShape, ms: number): Promise<void> {
      leases.delete(id);
      await sql`
        insert into rate_buckets as b (id, tokens, updated_at)
        values (${id}, ${(-ms / 1000) * shape.perSecond}::float8, now())
        on conflict (id) do update set
          tokens = least(${shape.capacity}::float8, b.tokens + extract(epoch from now() - b.updated_at) * ${shape.perSecond}::float8, excluded.tokens),
          updated_at = now()`.execute(db);
    },
    /**
     * Takes `n` tokens from bucket `id`. Leases `chunk` more than needed when it has to go to the
     * database. Refused: how long until `n` tokens are there.
     */
    take(id: string, n: number, shape: BucketShape, chunk: number): MaybePromise<Take> {
      if (n > shape.capacity) return { ok: false, retryAfterSeconds: Math.ceil(n / shape.perSecond) };
      let lease = leases.get(id);
      const now = Date.now();
      if (!lease || lease.until < now) leases.set(id, (lease = { tokens: 0, until: now + LEASE_MS }));
      if (!lease.fetching && lease.tokens >= n) {
        lease.tokens -= n;
        return OK;
      }
      return takeLeasing(id, n, shape, chunk, lease);
    },
  };

  async function takeLeasing(id: string, n: number, shape: BucketShape, chunk: number, lease: Lease): Promise<Take> {
    while (lease.fetching) await lease.fetching;
    if (lease.tokens >= n) {
      lease.tokens -= n;
      return OK;
    }
    let result: Take = OK;
    lease.fetching = (async () => {
      try {
        const { granted, tokens } = await takeFromDatabase(id, n - lease.tokens + chunk - 1, shape);
        lease.tokens += granted;
        lease.until = Date.now() + LEASE_MS;
        if (lease.tokens >= n) lease.tokens -= n;
        else result = { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((n - lease.tokens - tokens) / shape.perSecond)) };
      } catch (err) {
        onError(err);
      } finally {
        lease.fetching = undefined;
      }
    })();
    await lease.fetching;
    return result;
  }
}

export type SharedBuckets = ReturnType<typeof createSharedBuckets>;
