import { graphql } from '../generated/gql.js';

/** Every GraphQL operation the tests and benchmarks send, typed by GraphQL Code Generator. */

export const SubmitArticle = graphql(`
  mutation SubmitArticle($input: SubmitArticleInput!) {
    submitArticle(input: $input) {
      __typename
      ... on SubmitArticlePayload {
        article {
          id
          status
          priority
        }
        job {
          id
          state
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          path
          message
        }
      }
    }
  }
`);

export const ArticleDetails = graphql(`
  query ArticleDetails($id: ID!) {
    article(id: $id) {
      id
      title
      content
      sourceUrl
      priority
      status
      summary
      keywords
      sentiment
      error
      createdAt
      processedAt
      costUsd
      job {
        id
        state
        attempt
        maxAttempts
        progress
        error
        errorKind
        workerId
        durationMs
        steps {
          name
          state
          model
          cached
        }
      }
      options {
        summarySentences
        keywords
        language
      }
      llmCalls {
        step
        provider
        model
        inputTokens
        outputTokens
        costUsd
        cached
        savedUsd
        promptVersion
        callIndex
        attempt
        latencyMs
      }
    }
  }
`);

export const CostReport = graphql(`
  query CostReport($days: Int) {
    costReport(days: $days) {
      days
      totalUsd
      totalTokens
      calls
      cachedCalls
      savedUsd
      unpricedCalls
      articles
      dailyAverageUsd
      avgPerArticleUsd
      byStep {
        key
        usd
        tokens
        calls
        cachedCalls
        savedUsd
        avgLatencyMs
        avgUsdPerCall
      }
      byModel {
        key
        usd
        calls
      }
      byPromptVersion {
        key
        usd
        calls
        avgLatencyMs
        avgUsdPerCall
      }
    }
  }
`);

export const JobById = graphql(`
  query JobById($id: ID!) {
    job(id: $id) {
      id
      state
      attempt
      article {
        id
        status
      }
    }
  }
`);

export const ArticleEvents = graphql(`
  subscription ArticleEvents($id: ID!, $afterSeq: Int) {
    articleEvents(id: $id, afterSeq: $afterSeq) {
      seq
      type
      step
      progress
      error
      job {
        id
        state
      }
      article {
        id
        status
        summary
        keywords
        sentiment
      }
    }
  }
`);

export const LiveSummary = graphql(`
  subscription LiveSummary($id: ID!) {
    articleEvents(id: $id) {
      seq
      type
      at
      step
      delta
      job {
        attempt
      }
      article {
        status
        summary
      }
    }
  }
`);

export const RetryArticle = graphql(`
  mutation RetryArticle($id: ID!) {
    retryArticle(id: $id) {
      __typename
      ... on RetryArticlePayload {
        article {
          id
          status
        }
        job {
          id
          state
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const CancelArticle = graphql(`
  mutation CancelArticle($id: ID!) {
    cancelArticle(id: $id) {
      __typename
      ... on CancelArticlePayload {
        article {
          id
          status
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const SubmitArticles = graphql(`
  mutation SubmitArticles($input: [SubmitArticleInput!]!, $idempotencyKey: String) {
    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {
      __typename
      ... on SubmitArticlesPayload {
        batch {
          id
          total
          pending
          completed
          failed
          finished
        }
        articles {
          id
          title
          status
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

export const BatchById = graphql(`
  query BatchById($id: ID!) {
    batch(id: $id) {
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

export const BatchProgress = graphql(`
  subscription BatchProgress($id: ID!) {
    batchProgress(id: $id) {
      id
      total
      completed
      failed
      finished
    }
  }
`);

export const ListArticles = graphql(`
  query ListArticles($first: Int, $after: String, $last: Int, $before: String, $filter: ArticleFilter) {
    articles(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      edges {
        cursor
        node {
          id
          title
          status
          priority
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      totalCount
    }
  }
`);

export const ListJobs = graphql(`
  query ListJobs($first: Int, $after: String, $last: Int, $before: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      edges {
        cursor
        node {
          id
          state
          errorKind
          error
          article {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
      }
      totalCount
    }
    failureGroups {
      errorKind
      count
    }
  }
`);

export const RetryArticles = graphql(`
  mutation RetryArticles($filter: JobFilter!, $limit: Int) {
    retryArticles(filter: $filter, limit: $limit) {
      __typename
      ... on RetryArticlesPayload {
        queued
      }
      ... on RateLimitedError {
        message
      }
    }
  }
`);

export const ArticleFeed = graphql(`
  subscription ArticleFeed($filter: ArticleFilter) {
    articleFeed(filter: $filter) {
      seq
      type
      article {
        id
        status
        title
      }
    }
  }
`);

export const BudgetQuery = graphql(`
  query Budget($tenant: String) {
    budget(tenant: $tenant) {
      scope
      month
      limitUsd
      spentUsd
      reservedUsd
      forecastUsd
      state
      pausedJobs
    }
  }
`);

export const SetBudget = graphql(`
  mutation SetBudget($input: SetBudgetInput!) {
    setBudget(input: $input) {
      __typename
      ... on Budget {
        scope
        limitUsd
        spentUsd
        state
        pausedJobs
      }
      ... on ValidationError {
        message
        fieldErrors {
          path
          message
        }
      }
    }
  }
`);

export const BudgetAlerts = graphql(`
  subscription BudgetAlerts {
    budgetAlerts {
      id
      scope
      month
      threshold
      limitUsd
      spentUsd
      at
    }
  }
`);

export const QueueStatsQuery = graphql(`
  query QueueStats {
    queueStats {
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

export const QueueStatsFeed = graphql(`
  subscription QueueStatsFeed($intervalSeconds: Int) {
    queueStats(intervalSeconds: $intervalSeconds) {
      at
      pending
      activeWorkers
    }
  }
`);

export const Workers = graphql(`
  query Workers {
    workers {
      id
      host
      version
      startedAt
      lastSeenAt
      concurrency
      inFlight
      processed
      failed
      state
    }
  }
`);

export const ProcessingStatsQuery = graphql(`
  query ProcessingStats($minutes: Int) {
    processingStats(minutes: $minutes) {
      minutes
      succeeded
      failed
      cancelled
      open
      successRate
      avgSeconds
      p95Seconds
    }
  }
`);

export const MetricSeries = graphql(`
  query MetricSeries($query: TimeseriesQuery!) {
    timeseries(query: $query) {
      metric
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

export const Schedules = graphql(`
  query Schedules {
    schedules {
      name
      cron
      lastRunAt
      nextRunAt
      lastResult
      holder
      runs
    }
  }
`);
