import type { EventBus } from '../events/event-bus.js';

/** API instances name the articles their subscribers watch: `{ articleIds }`, again every WATCH_RENEW_MS. */
export const ARTICLE_WATCH_TOPIC = 'watch.articles';
export const WATCH_RENEW_MS = 20_000;
/** A watch not renewed for this long has ended (its API instance stopped watching, or is gone). */
const WATCH_TTL_MS = 3 * WATCH_RENEW_MS;

/**
 * The articles someone is watching live, as API instances announce them: a worker streams a
 * summary from the provider only for these (streaming costs the worker about 1 ms of CPU per
 * article, for text nobody would see otherwise).
 */
export function createWatchList(bus: EventBus) {
  const until = new Map<number, number>();
  let unsubscribe: (() => void) | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  return {
    async start(): Promise<void> {
      unsubscribe = await bus.subscribe(ARTICLE_WATCH_TOPIC, (_topic, payload) => {
        const { articleIds } = payload as { articleIds?: unknown };
        if (!Array.isArray(articleIds)) return;
        const expires = Date.now() + WATCH_TTL_MS;
        for (const id of articleIds) if (typeof id === 'number') until.set(id, expires);
      });
      sweeper = setInterval(() => {
        const now = Date.now();
        for (const [id, expires] of until) if (expires < now) until.delete(id);
      }, WATCH_TTL_MS);
      sweeper.unref();
    },
    stop(): void {
      unsubscribe?.();
      clearInterval(sweeper);
    },
    has(articleId: number): boolean {
      return (until.get(articleId) ?? 0) >= Date.now();
    },
  };
}

export type WatchList = ReturnType<typeof createWatchList>;
