import DataLoader from 'dataloader';
import {
  findArticlesByIds,
  findJobsByArticleIds,
  findJobsByIds,
  findLlmCallsByArticleIds,
  findStepsByJobIds,
  sumCostByArticleIds,
} from '../articles/article.repository.js';
import type { Db } from '../db/database.js';
import type { ArticleRow, JobRow, JobStepRow, LlmCallRow } from '../db/tables.js';

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

/** One batched query per kind of thing a GraphQL operation asks for, per request. */
export function createLoaders(db: Db) {
  const loaders = {
    article: new DataLoader<number, ArticleRow | undefined>(async (ids) => {
      const byId = new Map((await findArticlesByIds(db, ids)).map((a) => [a.id, a]));
      return ids.map((id) => byId.get(id));
    }),
    job: new DataLoader<string, JobRow | undefined>(async (ids) => {
      const byId = new Map((await findJobsByIds(db, ids)).map((j) => [j.id, j]));
      return ids.map((id) => byId.get(id));
    }),
    /** Jobs of an article, newest first. */
    jobsByArticle: new DataLoader<number, JobRow[]>(async (ids) => {
      const grouped = groupBy(await findJobsByArticleIds(db, ids), (j) => j.article_id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    stepsByJob: new DataLoader<string, JobStepRow[]>(async (ids) => {
      const grouped = groupBy(await findStepsByJobIds(db, ids), (s) => s.job_id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    llmCallsByArticle: new DataLoader<number, LlmCallRow[]>(async (ids) => {
      const grouped = groupBy(await findLlmCallsByArticleIds(db, ids), (c) => c.article_id);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
    costByArticle: new DataLoader<number, number>(async (ids) => {
      const sums = await sumCostByArticleIds(db, ids);
      return ids.map((id) => sums.get(id) ?? 0);
    }),
  };
  return {
    ...loaders,
    /** Forget cached rows: a long-lived subscription calls this before rendering each event. */
    clearAll(): void {
      for (const loader of Object.values(loaders)) loader.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
