import { graphql } from './generated/gql.js';

/** Every operation the dashboard sends: only the public API, typed from schema.graphql by codegen. */

export const OverviewQuery = graphql(`
  query DashOverview($from: DateTime!, $to: DateTime!, $dayFrom: DateTime!, $dayTo: DateTime!) {
    succeeded: timeseries(query: { metric: JOBS_SUCCEEDED, from: $from, to: $to, stepSeconds: 60 }) {
      points {
        t
        v
      }
    }
    failed: timeseries(query: { metric: JOBS_FAILED, from: $from, to: $to, stepSeconds: 60 }) {
      points {
        t
        v
      }
    }
    p95: timeseries(query: { metric: PROCESSING_TIME_P95, from: $from, to: $to, stepSeconds: 60 }) {
      points {
        t
        v
      }
    }
    today: timeseries(query: { metric: LLM_COST_USD, from: $dayFrom, to: $dayTo, stepSeconds: 86400 }) {
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
`);

export const QueueStatsSubscription = graphql(`
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
`);

export const WorkersQuery = graphql(`
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
`);

export const ArticleRowFragment = graphql(`
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
`);

export const ArticlesQuery = graphql(`
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
`);

// Only what the events carry (no per-event database reads: a feed at 1,000 events/s stays cheap).
export const ArticleFeedSubscription = graphql(`
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
`);

export const ArticleQuery = graphql(`
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
`);

export const ArticleEventsSubscription = graphql(`
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
`);

export const RetryArticleMutation = graphql(`
  mutation DashRetryArticle($id: ID!) {
    retryArticle(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

export const CancelArticleMutation = graphql(`
  mutation DashCancelArticle($id: ID!) {
    cancelArticle(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

export const FailuresQuery = graphql(`
  query DashFailures($errorKind: String) {
    failureGroups {
      errorKind
      count
    }
    jobs(first: 100, filter: { state: FAILED, errorKind: $errorKind }) {
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
`);

export const RetryFailedMutation = graphql(`
  mutation DashRetryFailed($errorKind: String) {
    retryArticles(filter: { state: FAILED, errorKind: $errorKind }, limit: 10000) {
      __typename
      ... on RetryArticlesPayload {
        queued
      }
      ... on Error {
        message
      }
    }
  }
`);

export const SubmitArticleMutation = graphql(`
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
`);

export const SubmitBatchMutation = graphql(`
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
`);

export const BatchProgressSubscription = graphql(`
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
`);

export const CostsQuery = graphql(`
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
    daily: timeseries(query: { metric: LLM_COST_USD, from: $from, to: $to, stepSeconds: 86400, groupBy: [MODEL, STEP] }) {
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
`);
