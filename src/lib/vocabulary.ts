/** The domain's shared words, used by every layer (database values, queue subjects, GraphQL enums). */

export const PRIORITIES = ['HIGH', 'NORMAL', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const ARTICLE_STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export const JOB_STATES = ['QUEUED', 'RUNNING', 'RETRYING', 'PAUSED_BUDGET', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const STEP_NAMES = ['SUMMARY', 'KEYWORDS', 'SENTIMENT'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** Each step's prompt versions, the default first (the step catalog writes them; LLM_PROMPT_WEIGHTS splits traffic). */
export const PROMPT_VERSIONS = {
  SUMMARY: ['v1', 'v2'],
  KEYWORDS: ['v1'],
  SENTIMENT: ['v1'],
} as const satisfies Record<StepName, readonly string[]>;

export const SENTIMENTS = ['POSITIVE', 'NEGATIVE', 'NEUTRAL'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export const STEP_STATES = ['PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const ARTICLE_EVENT_TYPES = [
  'SNAPSHOT',
  'QUEUED',
  'STARTED',
  'STEP_STARTED',
  'STEP_COMPLETED',
  'SUMMARY_DELTA',
  'RETRYING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type ArticleEventType = (typeof ARTICLE_EVENT_TYPES)[number];

/** What `timeseries` charts (GraphQL enum Metric). */
export const METRICS = [
  'ARTICLES_SUBMITTED',
  'JOBS_SUCCEEDED',
  'JOBS_FAILED',
  'JOBS_RETRIED',
  'PROCESSING_TIME_P50',
  'PROCESSING_TIME_P95',
  'QUEUE_WAIT_P95',
  'LLM_CALLS',
  'LLM_TOKENS',
  'LLM_COST_USD',
  'CACHE_HITS',
] as const;
export type Metric = (typeof METRICS)[number];

/** What a time series may be grouped by (GraphQL enum MetricLabel); TENANT for admins. */
export const METRIC_LABELS = ['PRIORITY', 'STEP', 'MODEL', 'PROVIDER', 'STATUS', 'TENANT'] as const;
export type MetricLabel = (typeof METRIC_LABELS)[number];
