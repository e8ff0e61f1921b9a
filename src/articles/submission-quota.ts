import type { KeyLimits } from '../access/key-limits.js';
import type { Take } from '../access/shared-bucket.js';
import type { Viewer } from '../access/viewer.js';
import { RateLimitedError } from '../lib/errors.js';
import { isPromise, type MaybePromise } from '../lib/maybe-promise.js';
import type { ArticleReader } from './article.repository.js';

/** How long a tenant's count of jobs in flight is reused before it is read again. */
const COUNT_TTL_MS = 1_000;

/**
 * Whether a viewer may queue `count` more jobs: its tenant's jobs in flight (counted at most once a
 * second per process, plus what this process queued since) and its key's articles per day.
 * Throws RateLimitedError, having consumed nothing, when either is over.
 */
export function createSubmissionQuota(deps: { reader: ArticleReader; limits: KeyLimits; maxInFlightPerTenant: number }) {
  const inFlight = new Map<string, { count: number; until: number }>();

  function jobsInFlight(tenantId: string): MaybePromise<{ count: number }> {
    const entry = inFlight.get(tenantId);
    if (entry && entry.until >= Date.now()) return entry;
    return deps.reader.countOpenArticles(tenantId).then((count) => {
      const fresh = { count, until: Date.now() + COUNT_TTL_MS };
      inFlight.set(tenantId, fresh);
      return fresh;
    });
  }

  function checkInFlight(viewer: Viewer, open: { count: number }, count: number): void {
    if (open.count + count > deps.maxInFlightPerTenant)
      throw new RateLimitedError(
        `Tenant ${viewer.tenantId} has ${open.count} jobs in flight; the limit is ${deps.maxInFlightPerTenant}`,
        Math.ceil(COUNT_TTL_MS / 1_000),
      );
  }

  function checkDaily(count: number, daily: Take): void {
    if (!daily.ok)
      throw new RateLimitedError(`The key's daily article allowance is used up (${count} asked)`, daily.retryAfterSeconds);
  }

  /**
   * `articles`: whether the daily article allowance applies too (submissions, not retries).
   * Answers from memory (no promise) while the tenant's count and the key's lease are fresh.
   */
  function admit(viewer: Viewer, count: number, articles: boolean): MaybePromise<void> {
    if (!viewer.keyId) return;
    const open = jobsInFlight(viewer.tenantId);
    if (isPromise(open)) return open.then(() => admit(viewer, count, articles));
    checkInFlight(viewer, open, count);
    if (articles) {
      const daily = deps.limits.admitArticles(viewer, count);
      if (isPromise(daily))
        return daily.then((taken) => {
          checkDaily(count, taken);
          open.count += count;
        });
      checkDaily(count, daily);
    }
    open.count += count;
  }

  return { admit };
}

export type SubmissionQuota = ReturnType<typeof createSubmissionQuota>;
