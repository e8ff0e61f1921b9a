import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import {
  articleMapping,
  jobMapping,
  jobStepMapping,
  llmCallMapping,
  type Article,
  type Job,
  type JobStep,
  type LlmCall,
} from './article.model.js';
import { decodeArticleEvent, type ArticleEvent } from './article-event.js';
import { OPEN_ARTICLE_STATUSES } from './job-states.js';
import { stateList } from './sql/event-sql.js';

/**
 * Which rows a reader sees: one tenant's (a tenant id) or every tenant's (null, for admins and the
 * system itself). Jobs, steps, events and ledger rows belong to the tenant of their article, so
 * the entry points below (articles by id, jobs by id) are where the rule applies; everything else
 * is reached through an article already read.
 */
export type TenantScope = string | null;

/** The one place the tenant rule is written: on articles, or on a table of their own tenant (batches). */
export const inTenant = (tenant: TenantScope, table: 'articles' | 'batches' = 'articles') =>
  tenant === null ? sql<boolean>`true` : sql<boolean>`${sql.ref(`${table}.tenant_id`)} = ${tenant}`;

/**
 * The read side of articles and their jobs, batched for dataloaders; hands out domain types only.
 * What the API reads, it reads here.
 */
export function createArticleReader(db: Db) {
  return {
    async findArticlesByIds(ids: readonly number[], tenant: TenantScope): Promise<Article[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('articles').selectAll().where('id', 'in', ids).where(inTenant(tenant)).execute();
      return rows.map(articleMapping.fromRow);
    },

    async findJobsByIds(ids: readonly string[], tenant: TenantScope): Promise<Job[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('jobs')
        .innerJoin('articles', 'articles.id', 'jobs.article_id')
        .selectAll('jobs')
        .where('jobs.id', 'in', ids)
        .where(inTenant(tenant))
        .execute();
      return rows.map(jobMapping.fromRow);
    },

    /** A tenant's articles with an open job (PENDING or PROCESSING): its jobs in flight. */
    async countOpenArticles(tenantId: string): Promise<number> {
      const row = await db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('articles.tenant_id', '=', tenantId)
        // A literal list, so a generic plan still matches the partial index articles_tenant_open_idx.
        .where(sql<boolean>`status in (${stateList(OPEN_ARTICLE_STATUSES)})`)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Every job of these articles, newest first. */
    async findJobsByArticleIds(articleIds: readonly number[]): Promise<Job[]> {
      if (articleIds.length === 0) return [];
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('article_id', 'in', articleIds)
        .orderBy('queued_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(jobMapping.fromRow);
    },

    async findStepsByJobIds(jobIds: readonly string[]): Promise<JobStep[]> {
      if (jobIds.length === 0) return [];
      const rows = await db.selectFrom('job_steps').selectAll().where('job_id', 'in', jobIds).execute();
      return rows.map(jobStepMapping.fromRow);
    },

    async findLlmCallsByArticleIds(articleIds: readonly number[]): Promise<LlmCall[]> {
      if (articleIds.length === 0) return [];
      const rows = await db.selectFrom('llm_calls').selectAll().where('article_id', 'in', articleIds).orderBy('id').execute();
      return rows.map(llmCallMapping.fromRow);
    },

    /** Total booked cost per article (calls with an unknown price count as 0 here, and say so in the ledger). */
    async sumCostByArticleIds(articleIds: readonly number[]): Promise<Map<number, number>> {
      if (articleIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('llm_calls')
        .select(['article_id', sql<number>`coalesce(sum(cost_usd), 0)::float8`.as('usd')])
        .where('article_id', 'in', articleIds)
        .groupBy('article_id')
        .execute();
      return new Map(rows.map((r) => [r.article_id, r.usd]));
    },

    /** Logged events after `afterSeq`, in order (the replay behind `articleEvents(afterSeq)`), any version. */
    async findEventsAfter(articleId: number, afterSeq: number): Promise<ArticleEvent[]> {
      const rows = await db
        .selectFrom('article_events')
        .select('payload')
        .where('article_id', '=', articleId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .execute();
      return rows.map((row) => decodeArticleEvent(row.payload)).filter((e): e is ArticleEvent => e !== undefined);
    },
  };
}

export type ArticleReader = ReturnType<typeof createArticleReader>;
