import { createClient } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import type { ArticleEventsSubscription } from '../generated/graphql.js';
import { ArticleEvents } from './operations.js';

type Event = ArticleEventsSubscription['articleEvents'];

export interface FollowedArticle {
  /** Every event received, in order, over every connection. */
  events: Event[];
  /** How many times the socket was (re)connected. */
  connects: number;
  /** Resolves once a COMPLETED, FAILED or CANCELLED event arrived. */
  settled: Promise<void>;
  close(): Promise<void>;
}

/**
 * Follows an article's events as a dashboard does: a dropped socket is reconnected, and the
 * subscription is sent again with `afterSeq` moved to the last event seen (graphql-ws re-sends the
 * same payload object), so what was missed is replayed once and nothing twice.
 */
export function followArticle(baseUrl: string, articleId: string, options: { localAddress?: string } = {}): FollowedArticle {
  const variables = { id: articleId, afterSeq: 0 };
  let settle!: () => void;
  let fail!: (err: Error) => void;
  const settled = new Promise<void>((resolve, reject) => ((settle = resolve), (fail = reject)));
  // Rejected before the test awaits it (a client that gives up) is not an unhandled rejection.
  settled.catch(() => {});
  const followed: FollowedArticle = { events: [], connects: 0, settled, close: async () => {} };
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    // From a loopback address of its own, the client looks like another host to the balancer.
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { localAddress: options.localAddress });
      }
    },
    lazy: false,
    retryAttempts: 50,
    shouldRetry: () => true,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200)),
    on: { connected: () => void followed.connects++ },
  });
  const dispose = client.subscribe<ArticleEventsSubscription>(
    { query: print(ArticleEvents), variables },
    {
      next: (result) => {
        if (result.errors) return fail(new Error(JSON.stringify(result.errors)));
        const event = result.data!.articleEvents;
        followed.events.push(event);
        // A delta carries the seq of the last logged event: resuming after it replays nothing twice.
        if (event.seq) variables.afterSeq = event.seq;
        if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(event.type)) settle();
      },
      error: (err) => fail(err instanceof Error ? err : new Error(JSON.stringify(err))),
      complete: () => {},
    },
  );
  followed.close = async () => {
    dispose();
    await client.dispose();
  };
  return followed;
}
