import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import { createGroupCommit } from '../lib/group-commit.js';
import type { StepName } from '../lib/vocabulary.js';
import type { ArticleOptions } from './article.model.js';
import { claimCacheEntries, releaseCacheLease, type CacheEntry, type ClaimOutcome } from './sql/step-cache.sql.js';

export type { CacheEntry } from './sql/step-cache.sql.js';
export { purgeExpiredCacheEntries } from './sql/step-cache.sql.js';

const BATCH_MAX = 200;
/** A waiter re-checks at least this often, in case the fill's notice was lost (events are at-most-once). */
const RECHECK_MS = 5_000;

/** What makes two step answers the same: changing any part is a different entry. */
export interface CacheKeyParts {
  step: StepName;
  model: string;
  promptVersion: string;
  /** The submission's options: they change the instructions. */
  options: ArticleOptions | null;
  title: string;
  /** sha256 of the content, stored with the article. */
  contentHash: string;
}

/**
 * The content cache of step answers, with single flight across workers: the first worker to miss
 * a key takes its lease and calls the model; workers that miss the same key meanwhile wait for
 * the fill (a notice on the event bus) instead of paying again. The fill itself is written by the
 * statement that books the paid call, so an answer is never cached without its cost booked.
 */
export function createStepCache(deps: { db: Db; bus: EventBus; workerId: string; ttlSeconds: number }) {
  const { db, bus, workerId } = deps;
  const claimOne = createGroupCommit({
    write: (claims: { key: string; leaseMs: number }[]) => claimCacheEntries(db, claims, workerId),
    key: (claim) => claim.key,
    maxBatch: BATCH_MAX,
  });
  const topic = (key: string) => `cache.${key}`;

  return {
    ttlSeconds: deps.ttlSeconds,

    keyOf(parts: CacheKeyParts): string {
      const { step, model, promptVersion, options, title, contentHash } = parts;
      // Sorted keys: the same options read back from jsonb come in another order.
      const variant = options ? JSON.stringify(options, Object.keys(options).sort()) : '';
      return createHash('sha256')
        .update(`${step}\0${model}\0${promptVersion}\0${variant}\0${title}\0${contentHash}`)
        .digest('hex');
    },

    /**
     * The cached answer, or undefined when this worker holds the key's lease and must compute it
     * (then the ledger statement fills it, or `release` gives it up). Waits while another worker
     * holds the lease; takes it over if that worker's lease runs out.
     */
    async acquire(key: string, leaseMs: number, signal: AbortSignal): Promise<CacheEntry | undefined> {
      let unsubscribe: (() => void) | undefined;
      // A notice that comes while this worker looks is kept, so the wait after it ends at once.
      let notified = false;
      let wake: () => void = () => {};
      try {
        for (;;) {
          signal.throwIfAborted();
          notified = false;
          const outcome: ClaimOutcome = await claimOne({ key, leaseMs });
          if (outcome.kind === 'hit') return outcome.entry;
          if (outcome.kind === 'lead') return undefined;
          if (!unsubscribe) {
            // Listen first, then look once more: a fill between the two is not missed.
            unsubscribe = await bus.subscribe(topic(key), () => {
              notified = true;
              wake();
            });
            continue;
          }
          if (notified) continue;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              resolve();
            };
            const timer = setTimeout(done, Math.min(outcome.leaseMs + 50, RECHECK_MS));
            signal.addEventListener('abort', done);
            wake = done;
          });
        }
      } finally {
        unsubscribe?.();
      }
    },

    /** The key's answer is stored (or its lease given up): waiting workers look again. */
    announce(key: string): void {
      bus.publish(topic(key), {});
    },

    /** Gives up this worker's lease after a failed call, and wakes the waiters (one of them takes over). */
    async release(key: string): Promise<void> {
      await releaseCacheLease(db, key, workerId);
      bus.publish(topic(key), {});
    },
  };
}

export type StepCache = ReturnType<typeof createStepCache>;
