import DataLoader from 'dataloader';
import type { Article, Job, JobStep, LlmCall } from '../articles/article.model.js';
import type { ArticleEvent } from '../articles/article-event.js';
import type { ArticleReader, TenantScope } from '../articles/article.repository.js';
import type { BatchCounts, ListingRepository } from '../articles/listing.repository.js';

function groupBy<K, V>(rows: V[], key: (row: V) => K): Map<K, V[]> {
  const map = new Map<K, V[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** One batched query per kind of thing a GraphQL operation asks for, per request, seeing one tenant (or all: null). */
export function createLoaders(reader: ArticleReader, listing: ListingRepository, tenant: TenantScope) {
  const loaders = {
    article: new DataLoader<number, Article | undefined>(async (ids) => {
      const byId = new Map((await reader.findArticlesByIds(ids, tenant)).map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id));
    }),
    job: new DataLoader<string, Job | undefined>(async (ids) => {
      const byId = new Map((await reader.findJobsByIds(ids, tenant)).map((j) => [j.id, j]));
      return ids.map((id) => byId.get(id));
    }),
    /** Jobs of an article, newest first. */
    jobsByArticle: new DataLoader<number, Job[]>(async (ids) => {
      const grouped = groupBy(await reader.findJobsByArticleIds(ids), (j) => j.articleId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    stepsByJob: new DataLoader<string, JobStep[]>(async (ids) => {
      const grouped = groupBy(await reader.findStepsByJobIds(ids), (s) => s.jobId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    llmCallsByArticle: new DataLoader<number, LlmCall[]>(async (ids) => {
      const grouped = groupBy(await reader.findLlmCallsByArticleIds(ids), (c) => c.articleId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    batch: new DataLoader<string, BatchCounts | undefined>(async (ids) => {
      const byId = new Map((await listing.batches(ids, tenant)).map((b) => [b.id, b]));
      return ids.map((id) => byId.get(id));
    }),
    costByArticle: new DataLoader<number, number>(async (ids) => {
      const sums = await reader.sumCostByArticleIds(ids);
      return ids.map((id) => sums.get(id) ?? 0);
    }),
  };
  return {
    ...loaders,
    /** Logged events after a seq: not cached, a subscription reads them as they come. */
    eventsAfter: (articleId: number, afterSeq: number): Promise<ArticleEvent[]> => reader.findEventsAfter(articleId, afterSeq),
    /** Forget cached rows: a long-lived subscription calls this before rendering each event. */
    clearAll(): void {
      for (const loader of Object.values(loaders)) loader.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
