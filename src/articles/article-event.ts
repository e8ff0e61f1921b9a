import { DEFAULT_TENANT } from '../access/scopes.js';
import type { ArticleRow, JobRow } from '../db/tables.js';
import type { ArticleEventType, StepName } from '../lib/vocabulary.js';
import { articleMapping, jobMapping, withoutContent, type ArticleView, type Job } from './article.model.js';
import { progressOf } from './step-catalog.js';

/**
 * One progress event, as published on the bus and stored in article_events. It carries the
 * article (without its content) and job as they were after the change, so a thousand subscribers
 * render it without a thousand queries.
 */
export interface ArticleEvent {
  articleId: number;
  seq: number;
  type: ArticleEventType;
  at: Date;
  jobId: string | null;
  step: StepName | null;
  progress: number;
  delta: string | null;
  error: string | null;
  article: ArticleView;
  job: Job | null;
}

/**
 * The stored and published format's version (`v`). v2 carries the domain types (camelCase);
 * v1 (no `v`) carried the table rows, and still replays.
 */
export const EVENT_VERSION = 2;

/** An event for the current state, not logged (SNAPSHOT, STEP_STARTED, SUMMARY_DELTA). */
export function makeEvent(
  article: ArticleView,
  type: ArticleEventType,
  seq: number,
  extra: { job: Job | null; step?: StepName; error?: string | null; delta?: string },
): ArticleEvent {
  return {
    articleId: article.id,
    seq,
    type,
    at: new Date(),
    jobId: extra.job?.id ?? null,
    step: extra.step ?? null,
    progress: progressOf(article),
    delta: extra.delta ?? null,
    error: extra.error ?? null,
    article: withoutContent(article),
    job: extra.job,
  };
}

/** The wire form of an unlogged event (logged ones are rendered by PostgreSQL in the same shape). */
export function encodeArticleEvent(event: ArticleEvent): Record<string, unknown> {
  return { v: EVENT_VERSION, ...event };
}

type Json = Record<string, unknown>;

/** An event from its stored or published JSON, of any version; undefined when it is not one. */
export function decodeArticleEvent(value: unknown): ArticleEvent | undefined {
  const e = value as Json | null;
  if (!e || typeof e.articleId !== 'number' || typeof e.seq !== 'number' || !e.article) return undefined;
  const { v, ...rest } = e;
  const v1 = v === undefined;
  const article = v1
    ? articleMapping.fromRow(rowFromJson<ArticleRow>(e.article as Json))
    : articleMapping.fromJson(e.article as Json);
  // Events logged before tenants existed belong to the tenant their articles were moved to.
  article.tenantId ??= DEFAULT_TENANT;
  const job = !e.job ? null : v1 ? jobMapping.fromRow(rowFromJson<JobRow>(e.job as Json)) : jobMapping.fromJson(e.job as Json);
  return { ...(rest as unknown as ArticleEvent), at: new Date(e.at as string), article: withoutContent(article), job };
}

const ROW_DATES = ['created_at', 'updated_at', 'processed_at', 'queued_at', 'started_at', 'finished_at'];

/** A v1 payload's row, dates restored. */
function rowFromJson<Row>(json: Json): Row {
  const row: Json = { ...json };
  for (const key of ROW_DATES) if (typeof row[key] === 'string') row[key] = new Date(row[key]);
  return row as Row;
}

export const articleTopic = (articleId: number) => `article.${articleId}`;
/** Every article's events (what an API instance relays to its subscribers). */
export const ARTICLE_TOPICS = 'article.>';
/** Cancellations for workers: `{ jobId }`, so a worker need not listen to progress events. */
export const JOB_CANCEL_TOPIC = 'job.cancel';
