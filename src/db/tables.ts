import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ArticleEventType, ArticleStatus, JobState, Priority, Sentiment, StepName, StepState } from '../lib/vocabulary.js';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string, string>;

export interface ArticlesTable {
  id: Generated<number>;
  tenant_id: string;
  title: string;
  content: string;
  source_url: string;
  content_hash: string;
  priority: Priority;
  status: ArticleStatus;
  summary: string | null;
  keywords: string[] | null;
  sentiment: Sentiment | null;
  error: string | null;
  /** Bumped on every change; lets readers detect stale snapshots. */
  version: Generated<number>;
  /** Sequence of the last logged event; incremented in the transaction that logs one. */
  event_seq: Generated<number>;
  batch_id: string | null;
  /** False: every step calls its model (`submitArticle(input: { cache: false })`). */
  cache_enabled: Generated<boolean>;
  /** ArticleOptions, or null for the defaults. */
  options: { summarySentences?: number; keywords?: number; language?: string } | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  processed_at: Date | null;
}

export interface JobsTable {
  id: string;
  article_id: number;
  state: JobState;
  priority: Priority;
  attempt: Generated<number>;
  max_attempts: number;
  queued_at: CreatedAt;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  error_kind: string | null;
  worker_id: string | null;
}

export interface JobStepsTable {
  job_id: string;
  step: StepName;
  state: StepState;
  started_at: Date | null;
  finished_at: Date | null;
  cached: Generated<boolean>;
  model: string | null;
  error: string | null;
}

export interface LlmCallsTable {
  id: Generated<number>;
  article_id: number;
  job_id: string;
  step: StepName;
  /** 0 for a single call; chunks of a map-reduce summary count up. */
  call_index: Generated<number>;
  provider: string;
  model: string;
  prompt_version: string;
  input_tokens: number;
  output_tokens: number;
  /** Null when the model has no known price: unknown is not free. */
  cost_usd: number | null;
  latency_ms: number;
  cached: Generated<boolean>;
  /** What a cached answer would have cost: the original call's cost (0 for a paid call). */
  saved_usd: Generated<number>;
  attempt: number;
  created_at: CreatedAt;
}

/** A stored step answer by key (step, model, prompt version, title and content); a null value is a lease. */
export interface LlmCacheTable {
  key: string;
  value: Json<unknown> | null;
  provider: string | null;
  model: string | null;
  cost_usd: number | null;
  created_at: CreatedAt;
  expires_at: Date;
  hits: Generated<number>;
  lease_until: Date | null;
  leased_by: string | null;
}

/** A chunk summary of a long article (map-reduce), by the ledger's call index: a checkpoint. */
export interface ArticleChunksTable {
  article_id: number;
  call_index: number;
  text: string;
  created_at: CreatedAt;
}

/** A worker's last heartbeat. */
export interface WorkersTable {
  id: string;
  host: string;
  version: string;
  started_at: Date;
  last_seen_at: Date;
  concurrency: number;
  in_flight: number;
  processed: number;
  failed: number;
  draining: boolean;
}

/** How far each time-series metric is rolled up into metric_rollups (per minute). */
export interface MetricRollupStateTable {
  metric: string;
  rolled_to: Date;
}

/** A scheduled job: its cron and its runs. */
export interface SchedulesTable {
  name: string;
  cron: string;
  last_run_at: Date | null;
  next_run_at: Date | null;
  last_result: string | null;
  holder: string | null;
  runs: Generated<number>;
}

export interface ArticleEventsTable {
  article_id: number;
  seq: number;
  type: ArticleEventType;
  job_id: string | null;
  payload: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  attempts: Generated<number>;
}

export interface ApiKeysTable {
  id: string;
  /** The visible start of the key (`dk_` and 8 hex digits), unique: how a key is found and shown. */
  prefix: string;
  /** SHA-256 of the whole key, hex; the key itself is never stored. */
  secret_hash: string;
  tenant_id: string;
  scopes: string[];
  name: string | null;
  /** Null: the configured default. */
  rate_per_second: number | null;
  rate_burst: number | null;
  daily_articles: number | null;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_by: string | null;
}

export interface RateBucketsTable {
  id: string;
  tokens: number;
  updated_at: Date;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  key_id: string | null;
  tenant_id: string | null;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>> | null;
}

export interface BatchesTable {
  id: string;
  tenant_id: string;
  total: number;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  article_id: number | null;
  job_id: string | null;
  batch_id: string | null;
  request_hash: string;
  created_at: CreatedAt;
  expires_at: Date;
}

/** What `search` matches: the title and the first 1,000 characters of the content, written once. */
export interface ArticleSearchTable {
  article_id: number;
  doc: string;
}

export interface Database {
  articles: ArticlesTable;
  article_search: ArticleSearchTable;
  batches: BatchesTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
  job_steps: JobStepsTable;
  llm_calls: LlmCallsTable;
  llm_cache: LlmCacheTable;
  article_chunks: ArticleChunksTable;
  workers: WorkersTable;
  metric_rollup_state: MetricRollupStateTable;
  schedules: SchedulesTable;
  article_events: ArticleEventsTable;
  outbox: OutboxTable;
  api_keys: ApiKeysTable;
  rate_buckets: RateBucketsTable;
  audit_log: AuditLogTable;
}

export type ArticleRow = Selectable<ArticlesTable>;
export type JobRow = Selectable<JobsTable>;
export type JobStepRow = Selectable<JobStepsTable>;
export type LlmCallRow = Selectable<LlmCallsTable>;
export type ArticleEventRow = Selectable<ArticleEventsTable>;
export type NewLlmCall = Insertable<LlmCallsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type WorkerRow = Selectable<WorkersTable>;
