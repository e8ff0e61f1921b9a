import { sql, type RawBuilder } from 'kysely';
import type { ArticleRow, JobRow, JobStepRow, LlmCallRow } from '../db/tables.js';
import type { ArticleStatus, JobState, Priority, Sentiment, StepName, StepState } from '../lib/vocabulary.js';

/** The domain's types (camelCase): what services, GraphQL and events use. Rows stay in the repositories. */

export interface Article {
  id: number;
  tenantId: string;
  title: string;
  content: string;
  sourceUrl: string;
  contentHash: string;
  priority: Priority;
  status: ArticleStatus;
  summary: string | null;
  keywords: string[] | null;
  sentiment: Sentiment | null;
  error: string | null;
  /** Bumped on every change. */
  version: number;
  /** Sequence of the article's last logged event. */
  eventSeq: number;
  batchId: string | null;
  /** False: every step calls its model, whatever the cache holds. */
  cacheEnabled: boolean;
  /** What the submission asked of its steps; null: the defaults. */
  options: ArticleOptions | null;
  createdAt: Date;
  updatedAt: Date;
  processedAt: Date | null;
}

/** Per-request options of the steps. */
export interface ArticleOptions {
  /** Sentences in the summary (default: 2-4). */
  summarySentences?: number;
  /** Keywords to extract (default: 5-8). */
  keywords?: number;
  /** Language of the summary and keywords (default: the article's). */
  language?: string;
}

/** An article as events carry it: without its content, which may be large. */
export type ArticleView = Omit<Article, 'content'> & { content?: string };

export interface Job {
  id: string;
  articleId: number;
  state: JobState;
  priority: Priority;
  attempt: number;
  maxAttempts: number;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  errorKind: string | null;
  workerId: string | null;
}

export interface JobStep {
  jobId: string;
  step: StepName;
  state: StepState;
  startedAt: Date | null;
  finishedAt: Date | null;
  cached: boolean;
  model: string | null;
  error: string | null;
}

export interface LlmCall {
  id: number;
  articleId: number;
  jobId: string;
  step: StepName;
  callIndex: number;
  provider: string;
  model: string;
  promptVersion: string;
  inputTokens: number;
  outputTokens: number;
  /** Null when the model has no known price: unknown is not free. */
  costUsd: number | null;
  latencyMs: number;
  /** Answered from the content cache: no call was made, cost 0. */
  cached: boolean;
  /** What a cached answer saved: the cost of the call that produced it. */
  savedUsd: number;
  attempt: number;
  createdAt: Date;
}

/**
 * One entity's field ↔ column map, declared once. The row mapper, the JSON decoder and the SQL that
 * renders a row as the domain's JSON (for logged events) all derive from it.
 */
export interface Mapping<Row, Model> {
  fromRow(row: Row): Model;
  /** A model from its JSON form (what `jsonSql` or JSON.stringify produced): dates restored. */
  fromJson(json: Record<string, unknown>): Model;
  /** SQL for `jsonb` of the row `alias` in the model's shape, without the `omit` fields. */
  jsonSql(alias: string, omit?: readonly (keyof Model)[]): RawBuilder<unknown>;
  /** The row's columns, without those of the `omit` fields. */
  columns(omit?: readonly (keyof Model)[]): (keyof Row & string)[];
}

function defineMapping<Row, Model>(
  columns: { [K in keyof Model]-?: keyof Row & string },
  dates: readonly (keyof Model & string)[],
): Mapping<Row, Model> {
  const entries = Object.entries(columns) as [keyof Model & string, keyof Row & string][];
  const jsonTexts = new Map<string, string>();
  return {
    fromRow(row) {
      const model: Record<string, unknown> = {};
      for (const [field, column] of entries) model[field] = row[column];
      return model as Model;
    },
    fromJson(json) {
      const model: Record<string, unknown> = { ...json };
      for (const field of dates) if (typeof model[field] === 'string') model[field] = new Date(model[field]);
      return model as Model;
    },
    jsonSql(alias, omit = []) {
      // Static text (names from this file only), built once per shape: statements embed it often.
      const key = `${alias}:${omit.join(',')}`;
      let text = jsonTexts.get(key);
      if (!text) {
        const pairs = entries
          .filter(([field]) => !omit.includes(field))
          .map(([field, column]) => `'${field}', ${alias}.${column}`);
        jsonTexts.set(key, (text = `jsonb_build_object(${pairs.join(', ')})`));
      }
      return sql.raw(text);
    },
    columns(omit = []) {
      return entries.filter(([field]) => !omit.includes(field)).map(([, column]) => column);
    },
  };
}

export const articleMapping = defineMapping<ArticleRow, Article>(
  {
    id: 'id',
    tenantId: 'tenant_id',
    title: 'title',
    content: 'content',
    sourceUrl: 'source_url',
    contentHash: 'content_hash',
    priority: 'priority',
    status: 'status',
    summary: 'summary',
    keywords: 'keywords',
    sentiment: 'sentiment',
    error: 'error',
    version: 'version',
    eventSeq: 'event_seq',
    batchId: 'batch_id',
    cacheEnabled: 'cache_enabled',
    options: 'options',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
    processedAt: 'processed_at',
  },
  ['createdAt', 'updatedAt', 'processedAt'],
);

export const jobMapping = defineMapping<JobRow, Job>(
  {
    id: 'id',
    articleId: 'article_id',
    state: 'state',
    priority: 'priority',
    attempt: 'attempt',
    maxAttempts: 'max_attempts',
    queuedAt: 'queued_at',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    error: 'error',
    errorKind: 'error_kind',
    workerId: 'worker_id',
  },
  ['queuedAt', 'startedAt', 'finishedAt'],
);

export const jobStepMapping = defineMapping<JobStepRow, JobStep>(
  {
    jobId: 'job_id',
    step: 'step',
    state: 'state',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    cached: 'cached',
    model: 'model',
    error: 'error',
  },
  ['startedAt', 'finishedAt'],
);

export const llmCallMapping = defineMapping<LlmCallRow, LlmCall>(
  {
    id: 'id',
    articleId: 'article_id',
    jobId: 'job_id',
    step: 'step',
    callIndex: 'call_index',
    provider: 'provider',
    model: 'model',
    promptVersion: 'prompt_version',
    inputTokens: 'input_tokens',
    outputTokens: 'output_tokens',
    costUsd: 'cost_usd',
    latencyMs: 'latency_ms',
    cached: 'cached',
    savedUsd: 'saved_usd',
    attempt: 'attempt',
    createdAt: 'created_at',
  },
  ['createdAt'],
);

/** The article without its content (events stay small whatever the article's size). */
export function withoutContent(article: ArticleView): ArticleView {
  const { content: _content, ...rest } = article;
  return rest;
}
