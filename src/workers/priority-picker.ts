import { PRIORITIES, type Priority } from '../lib/vocabulary.js';

/**
 * Which priority a free slot serves next: HIGH, then NORMAL, then LOW — except that a lower
 * priority which has had work waiting, unserved, for `agingMs` goes first (the longest-starved).
 *
 * `starvedSince[p]` is when p last got a slot while it had work waiting (or when its work arrived),
 * so a LOW backlog that is being served steadily never outranks a new HIGH job; only a LOW backlog
 * that HIGH/NORMAL have kept from every slot for `agingMs` does.
 */
export function pickPriority(
  waiting: Record<Priority, number>,
  starvedSince: Record<Priority, number | null>,
  now: number,
  agingMs: number,
): Priority | undefined {
  let starved: Priority | undefined;
  for (const p of PRIORITIES) {
    const since = starvedSince[p];
    if (p === 'HIGH' || waiting[p] === 0 || since === null || now - since < agingMs) continue;
    if (starved === undefined || since < starvedSince[starved]!) starved = p;
  }
  return starved ?? PRIORITIES.find((p) => waiting[p] > 0);
}
