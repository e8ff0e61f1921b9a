import type { ArticleEventsSubscription } from '../generated/graphql.js';
import { wsSubscribe } from './graphql-client.js';
import { ArticleEvents } from './operations.js';

type Event = ArticleEventsSubscription['articleEvents'];

/** Replays an article's events from the start and resolves with them once one matches. */
export async function awaitArticleEvent(
  baseUrl: string,
  articleId: string,
  match: (e: Event) => boolean,
  timeoutMs = 20_000,
): Promise<Event[]> {
  const sub = await wsSubscribe(baseUrl, ArticleEvents, { id: articleId, afterSeq: 0 });
  try {
    return (await sub.events.until((e) => match(e.articleEvents), timeoutMs)).map((e) => e.articleEvents);
  } finally {
    await sub.close();
  }
}

/** Resolves with the article's events once it reached a final state (COMPLETED, FAILED or CANCELLED). */
export function awaitSettled(baseUrl: string, articleId: string, timeoutMs?: number): Promise<Event[]> {
  return awaitArticleEvent(baseUrl, articleId, (e) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type), timeoutMs);
}
