import type { ArticleEvent } from '../articles/article-event.js';
import type { TenantScope } from '../articles/article.repository.js';
import type { ArticleFilter, BatchCounts, ListingRepository } from '../articles/listing.repository.js';
import { NotFoundError } from '../lib/errors.js';
import type { ArticleStatus } from '../lib/vocabulary.js';
import type { Loaders } from './loaders.js';
import { RESYNC, type ArticleEventHub, type EventStream, type HubItem } from './article-event.hub.js';

/** Whether an event's article matches a listing filter (search: the title; events carry no content). */
export function matchesFilter(event: ArticleEvent, filter: ArticleFilter, tenant: TenantScope): boolean {
  const a = event.article;
  if (tenant !== null && a.tenantId !== tenant) return false;
  if (filter.status && a.status !== filter.status) return false;
  if (filter.priority && a.priority !== filter.priority) return false;
  if (filter.batchId && a.batchId !== filter.batchId) return false;
  if (filter.createdAfter && a.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore && a.createdAt >= filter.createdBefore) return false;
  if (filter.search && !a.title.toLocaleLowerCase().includes(filter.search.toLocaleLowerCase())) return false;
  return true;
}

/**
 * An iterator over a hub stream that maps each item (undefined: skip it). Not an async generator:
 * `return()` must end it at once, even while it waits (see ArticleEventHub.listen).
 */
function mapStream<T>(
  stream: EventStream,
  map: (item: HubItem) => Promise<T | undefined> | T | undefined,
): AsyncIterableIterator<T> {
  const source = stream[Symbol.asyncIterator]();
  let done = false;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (!done) {
        const item = await source.next();
        if (item.done) break;
        const value = await map(item.value);
        if (value !== undefined) return { value, done: false };
      }
      done = true;
      return { value: undefined, done: true };
    },
    async return() {
      done = true;
      stream.close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Every change of every article matching the filter, live from now (a dashboard's feed). After a
 * bus reconnect, changes made while cut off are not replayed: reload the listing.
 */
export async function streamArticleFeed(
  deps: { hub: ArticleEventHub; loaders: Loaders },
  filter: ArticleFilter,
  tenant: TenantScope,
): Promise<AsyncIterableIterator<ArticleEvent>> {
  const stream = await deps.hub.listen(undefined);
  return mapStream(stream, (item) => {
    // Text as it is written is for whoever watches that article, not for a feed of all of them.
    if (item === RESYNC || item.type === 'SUMMARY_DELTA' || !matchesFilter(item, filter, tenant)) return undefined;
    // Each event renders fresh rows, and a long-lived feed holds no cache.
    deps.loaders.clearAll();
    return item;
  });
}

const countField: Record<ArticleStatus, keyof BatchCounts & ('pending' | 'processing' | 'completed' | 'failed' | 'cancelled')> = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

/**
 * A batch's counts now, then again whenever one of its articles changes status; ends once every
 * article is finished. Counts come from one read of the batch's statuses, then from the events
 * (each article's version orders them), so a batch of thousands costs no query per change.
 * Throws NotFoundError for an unknown batch.
 */
export async function streamBatchProgress(
  deps: { hub: ArticleEventHub; listing: ListingRepository },
  batchId: string,
  tenant: TenantScope,
): Promise<AsyncIterableIterator<BatchCounts>> {
  // Listen before reading, so no change in between is missed.
  const stream = await deps.hub.listen(undefined);
  let counts: BatchCounts;
  let statuses: Map<number, { status: ArticleStatus; version: number }>;
  const load = async () => {
    const [batch] = await deps.listing.batches([batchId], tenant);
    if (!batch) throw new NotFoundError(`Batch ${batchId} not found`);
    statuses = await deps.listing.batchStatuses(batchId);
    counts = { ...batch, pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const { status } of statuses.values()) counts[countField[status]] += 1;
  };
  try {
    await load();
  } catch (err) {
    stream.close();
    throw err;
  }
  const finished = () => counts.completed + counts.failed + counts.cancelled >= counts.total;
  let first = true;
  let ended = false;
  const changes = mapStream(stream, async (item) => {
    if (item === RESYNC) {
      await load();
      return { ...counts };
    }
    if (item.article.batchId !== batchId) return undefined;
    const known = statuses.get(item.article.id);
    if (known && known.version >= item.article.version) return undefined;
    statuses.set(item.article.id, { status: item.article.status, version: item.article.version });
    if (known?.status === item.article.status) return undefined;
    if (known) counts[countField[known.status]] -= 1;
    counts[countField[item.article.status]] += 1;
    return { ...counts };
  });
  const iterator: AsyncIterableIterator<BatchCounts> = {
    async next() {
      if (first) {
        first = false;
        ended = finished();
        return { value: { ...counts }, done: false };
      }
      if (ended) {
        await changes.return!();
        return { value: undefined, done: true };
      }
      const result = await changes.next();
      if (!result.done) ended = finished();
      return result;
    },
    return: () => changes.return!(),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
