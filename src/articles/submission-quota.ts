import type { KeyLimits } from '../access/key-limits.js';
import type { Viewer } from '../access/viewer.js';
import { RateLimitedError } from '../lib/errors.js';
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

  async function jobsInFlight(tenantId: string): Promise<{ count: number }> {
    const now = Date.now();
    let entry = inFlight.get(tenantId);
    if (!entry || entry.until < now) {
      entry = { count: await deps.reader.countOpenArticles(tenantId), until: now + COUNT_TTL_MS };
      inFlight.set(tenantId, entry);
    }
    return entry;
  }

  return {
    /** `articles`: whether the daily article allowance applies too (submissions, not retries). */
    async admit(viewer: Viewer, count: number, articles: boolean): Promise<void> {
      if (!viewer.keyId) return;
      const open = await jobsInFlight(viewer.tenantId);
      if (open.count + count > deps.maxInFlightPerTenant)
        throw new RateLimitedError(
          `Tenant ${viewer.tenantId} has ${open.count} jobs in flight; the limit is ${deps.maxInFlightPerTenant}`,
          Math.ceil(COUNT_TTL_MS / 1_000),
        );
      if (articles) {
        const daily = await deps.limits.admitArticles(viewer, count);
        if (!daily.ok)
          throw new RateLimitedError(`The key's daily article allowance is used up (${count} asked)`, daily.retryAfterSeconds);
      }
      open.count += count;
    },
  };
}

export type SubmissionQuota = ReturnType<typeof createSubmissionQuota>;
