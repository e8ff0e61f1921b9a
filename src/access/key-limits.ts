import type { MaybePromise } from '../lib/maybe-promise.js';
import type { SharedBuckets, Take } from './shared-bucket.js';
import type { Viewer } from './viewer.js';

export interface LimitDefaults {
  ratePerSecond: number;
  rateBurst: number;
  dailyArticles: number;
}

const DAY_SECONDS = 86_400;

/**
 * The per-key limits: requests per second (a token bucket with a burst) and articles per day (a
 * bucket holding a day's allowance, refilled evenly over 24 h). Requests without a key
 * (AUTH=off) are not limited per key.
 */
export function createKeyLimits(buckets: SharedBuckets, defaults: LimitDefaults) {
  return {
    admitRequest(viewer: Viewer): MaybePromise<Take> {
      if (!viewer.keyId) return { ok: true };
      const perSecond = viewer.limits?.ratePerSecond ?? defaults.ratePerSecond;
      const capacity = viewer.limits?.rateBurst ?? defaults.rateBurst;
      // A chunk is a twentieth of a second's allowance: one statement per chunk, not per request.
      const chunk = Math.min(100, Math.max(1, Math.floor(perSecond / 20)));
      return buckets.take(`rate:${viewer.keyId}`, 1, { capacity, perSecond }, chunk);
    },

    admitArticles(viewer: Viewer, count: number): MaybePromise<Take> {
      if (!viewer.keyId) return { ok: true };
      const capacity = viewer.limits?.dailyArticles ?? defaults.dailyArticles;
      const chunk = Math.min(100, Math.max(1, Math.floor(capacity / 1_000)));
      return buckets.take(`daily:${viewer.keyId}`, count, { capacity, perSecond: capacity / DAY_SECONDS }, chunk);
    },
  };
}

export type KeyLimits = ReturnType<typeof createKeyLimits>;
