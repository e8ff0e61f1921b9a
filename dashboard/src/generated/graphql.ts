/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ArticleEventType =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'PAUSED'
  | 'QUEUED'
  | 'RETRYING'
  | 'SNAPSHOT'
  | 'STARTED'
  | 'STEP_COMPLETED'
  | 'STEP_STARTED'
  | 'SUMMARY_DELTA';

export type ArticleFilter = {
  batchId?: string | number | null | undefined;
  createdAfter?: string | null | undefined;
  createdBefore?: string | null | undefined;
  priority?: Priority | null | undefined;
  /** Text in the title or content (substring, any language; case-insensitive). */
  search?: string | null | undefined;
  status?: ArticleStatus | null | undefined;
};

export type ArticleOptionsInput = {
  /** Keywords to extract, 1 to 20 (default: 5 to 8). */
  keywords?: number | null | undefined;
  /** Language of the summary and keywords, e.g. English, ko, pt-BR (default: the article's). */
  language?: string | null | undefined;
  /** Sentences in the summary, 1 to 10 (default: 2 to 4). */
  summarySentences?: number | null | undefined;
};

export type ArticleStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'PENDING'
  | 'PROCESSING';

export type JobState =
  | 'CANCELLED'
  | 'FAILED'
  | 'PAUSED_BUDGET'
  | 'QUEUED'
  | 'RETRYING'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Priority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL';

export type Sentiment =
  | 'NEGATIVE'
  | 'NEUTRAL'
  | 'POSITIVE';

export type StepName =
  | 'KEYWORDS'
  | 'SENTIMENT'
  | 'SUMMARY';

export type SubmitArticleInput = {
  /** false: every step calls its model even when an identical article (same title, content, step, model and prompt version) was answered within LLM_CACHE_TTL. */
  cache?: boolean | null | undefined;
  content: string;
  /** A key of your choosing (e.g. a UUID): a repeat within 24 h returns the first article and job and queues nothing. Not per item of a batch: submitArticles takes one for the whole batch. */
  idempotencyKey?: string | null | undefined;
  /** Summary length, number of keywords, output language. */
  options?: ArticleOptionsInput | null | undefined;
  priority?: Priority | null | undefined;
  sourceUrl: string;
  title: string;
};

export type DashOverviewQueryVariables = Exact<{
  from: string;
  to: string;
  dayFrom: string;
  dayTo: string;
}>;


export type DashOverviewQuery = { succeeded: Array<{ points: Array<{ t: string, v: number }> }>, failed: Array<{ points: Array<{ t: string, v: number }> }>, p95: Array<{ points: Array<{ t: string, v: number }> }>, today: Array<{ points: Array<{ t: string, v: number }> }>, budget: { scope: string, month: string, limitUsd: number | null, spentUsd: number, reservedUsd: number, forecastUsd: number, state: string, pausedJobs: number }, costReport: { savedUsd: number, cachedCalls: number } };

export type DashQueueStatsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashQueueStatsSubscription = { queueStats: { at: string, pending: number, inFlight: number, activeWorkers: number, byPriority: Array<{ priority: Priority, pending: number, inFlight: number, redelivered: number, oldestWaitMs: number | null }> } };

export type DashWorkersQueryVariables = Exact<{ [key: string]: never; }>;


export type DashWorkersQuery = { workers: Array<{ id: string, host: string, state: string, inFlight: number, concurrency: number, processed: number, failed: number, lastSeenAt: string, startedAt: string, version: string }> };

export type DashArticleRowFragment = { id: string, title: string, status: ArticleStatus, priority: Priority, createdAt: string, costUsd: number, sentiment: Sentiment | null, job: { id: string, state: JobState, progress: number, attempt: number } | null };

export type DashArticlesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: ArticleFilter | null | undefined;
}>;


export type DashArticlesQuery = { articles: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, title: string, status: ArticleStatus, priority: Priority, createdAt: string, costUsd: number, sentiment: Sentiment | null, job: { id: string, state: JobState, progress: number, attempt: number } | null } }> } };

export type DashArticleFeedSubscriptionVariables = Exact<{
  filter?: ArticleFilter | null | undefined;
}>;


export type DashArticleFeedSubscription = { articleFeed: { type: ArticleEventType, progress: number, job: { id: string, state: JobState, attempt: number } | null, article: { id: string, title: string, status: ArticleStatus, priority: Priority, createdAt: string, sentiment: Sentiment | null } } };

export type DashArticleQueryVariables = Exact<{
  id: string | number;
}>;


export type DashArticleQuery = { article: { id: string, title: string, content: string, sourceUrl: string, status: ArticleStatus, priority: Priority, summary: string | null, keywords: Array<string>, sentiment: Sentiment | null, error: string | null, costUsd: number, createdAt: string, processedAt: string | null, jobs: Array<{ id: string, state: JobState, attempt: number, maxAttempts: number, error: string | null, errorKind: string | null, queuedAt: string, startedAt: string | null, finishedAt: string | null, durationMs: number | null, workerId: string | null, progress: number, steps: Array<{ name: StepName, state: string, model: string | null, cached: boolean, startedAt: string | null, finishedAt: string | null, error: string | null }> }>, llmCalls: Array<{ step: StepName, attempt: number, callIndex: number, provider: string, model: string, promptVersion: string, inputTokens: number, outputTokens: number, costUsd: number | null, savedUsd: number, cached: boolean, latencyMs: number, createdAt: string }> } | null };

export type DashArticleEventsSubscriptionVariables = Exact<{
  id: string | number;
  afterSeq?: number | null | undefined;
}>;


export type DashArticleEventsSubscription = { articleEvents: { seq: number, type: ArticleEventType, step: StepName | null, progress: number, delta: string | null, error: string | null, at: string, job: { id: string, attempt: number, state: JobState } | null, article: { id: string, status: ArticleStatus, summary: string | null, keywords: Array<string>, sentiment: Sentiment | null, error: string | null, costUsd: number } } };

export type DashRetryArticleMutationVariables = Exact<{
  id: string | number;
}>;


export type DashRetryArticleMutation = { retryArticle:
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'RateLimitedError', message: string }
    | { __typename: 'RetryArticlePayload' }
   };

export type DashCancelArticleMutationVariables = Exact<{
  id: string | number;
}>;


export type DashCancelArticleMutation = { cancelArticle:
    | { __typename: 'CancelArticlePayload' }
    | { __typename: 'InvalidStateError', message: string }
    | { __typename: 'NotFoundError', message: string }
   };

export type DashFailuresQueryVariables = Exact<{
  errorKind?: string | null | undefined;
}>;


export type DashFailuresQuery = { failureGroups: Array<{ errorKind: string, count: number }>, jobs: { totalCount: number, edges: Array<{ node: { id: string, attempt: number, error: string | null, errorKind: string | null, finishedAt: string | null, article: { id: string, title: string, status: ArticleStatus } } }> } };

export type DashRetryFailedMutationVariables = Exact<{
  errorKind?: string | null | undefined;
}>;


export type DashRetryFailedMutation = { retryArticles:
    | { __typename: 'RateLimitedError', message: string }
    | { __typename: 'RetryArticlesPayload', queued: number }
   };

export type DashSubmitArticleMutationVariables = Exact<{
  input: SubmitArticleInput;
}>;


export type DashSubmitArticleMutation = { submitArticle:
    | { __typename: 'RateLimitedError', message: string, retryAfterSeconds: number }
    | { __typename: 'SubmitArticlePayload', article: { id: string } }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type DashSubmitBatchMutationVariables = Exact<{
  input: Array<SubmitArticleInput> | SubmitArticleInput;
}>;


export type DashSubmitBatchMutation = { submitArticles:
    | { __typename: 'RateLimitedError', message: string, retryAfterSeconds: number }
    | { __typename: 'SubmitArticlesPayload', batch: { id: string, total: number } }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type DashBatchProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type DashBatchProgressSubscription = { batchProgress: { id: string, total: number, pending: number, processing: number, completed: number, failed: number, cancelled: number, finished: boolean } };

export type DashCostsQueryVariables = Exact<{
  days: number;
  from: string;
  to: string;
}>;


export type DashCostsQuery = { costReport: { totalUsd: number, calls: number, articles: number, totalTokens: number, savedUsd: number, cachedCalls: number, avgPerArticleUsd: number, byModel: Array<{ key: string, calls: number, tokens: number, usd: number, savedUsd: number }>, byStep: Array<{ key: string, calls: number, tokens: number, usd: number, savedUsd: number }> }, daily: Array<{ labels: Array<{ name: string, value: string }>, points: Array<{ t: string, v: number }> }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const DashArticleRowFragmentDoc = new TypedDocumentString(`
    fragment DashArticleRow on Article {
  id
  title
  status
  priority
  createdAt
  costUsd
  sentiment
  job {
    id
    state
    progress
    attempt
  }
}
    `, {"fragmentName":"DashArticleRow"}) as unknown as TypedDocumentString<DashArticleRowFragment, unknown>;
export const DashOverviewDocument = new TypedDocumentString(`
    query DashOverview($from: DateTime!, $to: DateTime!, $dayFrom: DateTime!, $dayTo: DateTime!) {
  succeeded: timeseries(
    query: {metric: JOBS_SUCCEEDED, from: $from, to: $to, stepSeconds: 60}
  ) {
    points {
      t
      v
    }
  }
  failed: timeseries(
    query: {metric: JOBS_FAILED, from: $from, to: $to, stepSeconds: 60}
  ) {
    points {
      t
      v
    }
  }
  p95: timeseries(
    query: {metric: PROCESSING_TIME_P95, from: $from, to: $to, stepSeconds: 60}
  ) {
    points {
      t
      v
    }
  }
  today: timeseries(
    query: {metric: LLM_COST_USD, from: $dayFrom, to: $dayTo, stepSeconds: 86400}
  ) {
    points {
      t
      v
    }
  }
  budget {
    scope
    month
    limitUsd
    spentUsd
    reservedUsd
    forecastUsd
    state
    pausedJobs
  }
  costReport(days: 30) {
    savedUsd
    cachedCalls
  }
}
    `) as unknown as TypedDocumentString<DashOverviewQuery, DashOverviewQueryVariables>;
export const DashQueueStatsDocument = new TypedDocumentString(`
    subscription DashQueueStats {
  queueStats(intervalSeconds: 2) {
    at
    pending
    inFlight
    activeWorkers
    byPriority {
      priority
      pending
      inFlight
      redelivered
      oldestWaitMs
    }
  }
}
    `) as unknown as TypedDocumentString<DashQueueStatsSubscription, DashQueueStatsSubscriptionVariables>;
export const DashWorkersDocument = new TypedDocumentString(`
    query DashWorkers {
  workers {
    id
    host
    state
    inFlight
    concurrency
    processed
    failed
    lastSeenAt
    startedAt
    version
  }
}
    `) as unknown as TypedDocumentString<DashWorkersQuery, DashWorkersQueryVariables>;
export const DashArticlesDocument = new TypedDocumentString(`
    query DashArticles($first: Int!, $after: String, $filter: ArticleFilter) {
  articles(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...DashArticleRow
      }
    }
  }
}
    fragment DashArticleRow on Article {
  id
  title
  status
  priority
  createdAt
  costUsd
  sentiment
  job {
    id
    state
    progress
    attempt
  }
}`) as unknown as TypedDocumentString<DashArticlesQuery, DashArticlesQueryVariables>;
export const DashArticleFeedDocument = new TypedDocumentString(`
    subscription DashArticleFeed($filter: ArticleFilter) {
  articleFeed(filter: $filter) {
    type
    progress
    job {
      id
      state
      attempt
    }
    article {
      id
      title
      status
      priority
      createdAt
      sentiment
    }
  }
}
    `) as unknown as TypedDocumentString<DashArticleFeedSubscription, DashArticleFeedSubscriptionVariables>;
export const DashArticleDocument = new TypedDocumentString(`
    query DashArticle($id: ID!) {
  article(id: $id) {
    id
    title
    content
    sourceUrl
    status
    priority
    summary
    keywords
    sentiment
    error
    costUsd
    createdAt
    processedAt
    jobs {
      id
      state
      attempt
      maxAttempts
      error
      errorKind
      queuedAt
      startedAt
      finishedAt
      durationMs
      workerId
      progress
      steps {
        name
        state
        model
        cached
        startedAt
        finishedAt
        error
      }
    }
    llmCalls {
      step
      attempt
      callIndex
      provider
      model
      promptVersion
      inputTokens
      outputTokens
      costUsd
      savedUsd
      cached
      latencyMs
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<DashArticleQuery, DashArticleQueryVariables>;
export const DashArticleEventsDocument = new TypedDocumentString(`
    subscription DashArticleEvents($id: ID!, $afterSeq: Int) {
  articleEvents(id: $id, afterSeq: $afterSeq) {
    seq
    type
    step
    progress
    delta
    error
    at
    job {
      id
      attempt
      state
    }
    article {
      id
      status
      summary
      keywords
      sentiment
      error
      costUsd
    }
  }
}
    `) as unknown as TypedDocumentString<DashArticleEventsSubscription, DashArticleEventsSubscriptionVariables>;
export const DashRetryArticleDocument = new TypedDocumentString(`
    mutation DashRetryArticle($id: ID!) {
  retryArticle(id: $id) {
    __typename
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DashRetryArticleMutation, DashRetryArticleMutationVariables>;
export const DashCancelArticleDocument = new TypedDocumentString(`
    mutation DashCancelArticle($id: ID!) {
  cancelArticle(id: $id) {
    __typename
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DashCancelArticleMutation, DashCancelArticleMutationVariables>;
export const DashFailuresDocument = new TypedDocumentString(`
    query DashFailures($errorKind: String) {
  failureGroups {
    errorKind
    count
  }
  jobs(first: 100, filter: {state: FAILED, errorKind: $errorKind}) {
    totalCount
    edges {
      node {
        id
        attempt
        error
        errorKind
        finishedAt
        article {
          id
          title
          status
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DashFailuresQuery, DashFailuresQueryVariables>;
export const DashRetryFailedDocument = new TypedDocumentString(`
    mutation DashRetryFailed($errorKind: String) {
  retryArticles(filter: {state: FAILED, errorKind: $errorKind}, limit: 10000) {
    __typename
    ... on RetryArticlesPayload {
      queued
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DashRetryFailedMutation, DashRetryFailedMutationVariables>;
export const DashSubmitArticleDocument = new TypedDocumentString(`
    mutation DashSubmitArticle($input: SubmitArticleInput!) {
  submitArticle(input: $input) {
    __typename
    ... on SubmitArticlePayload {
      article {
        id
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on RateLimitedError {
      message
      retryAfterSeconds
    }
  }
}
    `) as unknown as TypedDocumentString<DashSubmitArticleMutation, DashSubmitArticleMutationVariables>;
export const DashSubmitBatchDocument = new TypedDocumentString(`
    mutation DashSubmitBatch($input: [SubmitArticleInput!]!) {
  submitArticles(input: $input) {
    __typename
    ... on SubmitArticlesPayload {
      batch {
        id
        total
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on RateLimitedError {
      message
      retryAfterSeconds
    }
  }
}
    `) as unknown as TypedDocumentString<DashSubmitBatchMutation, DashSubmitBatchMutationVariables>;
export const DashBatchProgressDocument = new TypedDocumentString(`
    subscription DashBatchProgress($id: ID!) {
  batchProgress(id: $id) {
    id
    total
    pending
    processing
    completed
    failed
    cancelled
    finished
  }
}
    `) as unknown as TypedDocumentString<DashBatchProgressSubscription, DashBatchProgressSubscriptionVariables>;
export const DashCostsDocument = new TypedDocumentString(`
    query DashCosts($days: Int!, $from: DateTime!, $to: DateTime!) {
  costReport(days: $days) {
    totalUsd
    calls
    articles
    totalTokens
    savedUsd
    cachedCalls
    avgPerArticleUsd
    byModel {
      key
      calls
      tokens
      usd
      savedUsd
    }
    byStep {
      key
      calls
      tokens
      usd
      savedUsd
    }
  }
  daily: timeseries(
    query: {metric: LLM_COST_USD, from: $from, to: $to, stepSeconds: 86400, groupBy: [MODEL, STEP]}
  ) {
    labels {
      name
      value
    }
    points {
      t
      v
    }
  }
}
    `) as unknown as TypedDocumentString<DashCostsQuery, DashCostsQueryVariables>;