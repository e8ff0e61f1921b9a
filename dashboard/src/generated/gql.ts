/* eslint-disable */
import * as types from './graphql.js';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
  '\n  query DashOverview($from: DateTime!, $to: DateTime!, $dayFrom: DateTime!, $dayTo: DateTime!) {\n    succeeded: timeseries(query: { metric: JOBS_SUCCEEDED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    failed: timeseries(query: { metric: JOBS_FAILED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    p95: timeseries(query: { metric: PROCESSING_TIME_P95, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    today: timeseries(query: { metric: LLM_COST_USD, from: $dayFrom, to: $dayTo, stepSeconds: 86400 }) {\n      points {\n        t\n        v\n      }\n    }\n    budget {\n      scope\n      month\n      limitUsd\n      spentUsd\n      reservedUsd\n      forecastUsd\n      state\n      pausedJobs\n    }\n    costReport(days: 30) {\n      savedUsd\n      cachedCalls\n    }\n  }\n': typeof types.DashOverviewDocument;
  '\n  subscription DashQueueStats {\n    queueStats(intervalSeconds: 2) {\n      at\n      pending\n      inFlight\n      activeWorkers\n      byPriority {\n        priority\n        pending\n        inFlight\n        redelivered\n        oldestWaitMs\n      }\n    }\n  }\n': typeof types.DashQueueStatsDocument;
  '\n  query DashWorkers {\n    workers {\n      id\n      host\n      state\n      inFlight\n      concurrency\n      processed\n      failed\n      lastSeenAt\n      startedAt\n      version\n    }\n  }\n': typeof types.DashWorkersDocument;
  '\n  fragment DashArticleRow on Article {\n    id\n    title\n    status\n    priority\n    createdAt\n    costUsd\n    sentiment\n    job {\n      id\n      state\n      progress\n      attempt\n    }\n  }\n': typeof types.DashArticleRowFragmentDoc;
  '\n  query DashArticles($first: Int!, $after: String, $filter: ArticleFilter) {\n    articles(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...DashArticleRow\n        }\n      }\n    }\n  }\n': typeof types.DashArticlesDocument;
  '\n  subscription DashArticleFeed($filter: ArticleFilter) {\n    articleFeed(filter: $filter) {\n      type\n      progress\n      step\n      article {\n        ...DashArticleRow\n      }\n    }\n  }\n': typeof types.DashArticleFeedDocument;
  '\n  query DashArticle($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      status\n      priority\n      summary\n      keywords\n      sentiment\n      error\n      costUsd\n      createdAt\n      processedAt\n      jobs {\n        id\n        state\n        attempt\n        maxAttempts\n        error\n        errorKind\n        queuedAt\n        startedAt\n        finishedAt\n        durationMs\n        workerId\n        progress\n        steps {\n          name\n          state\n          model\n          cached\n          startedAt\n          finishedAt\n          error\n        }\n      }\n      llmCalls {\n        step\n        attempt\n        callIndex\n        provider\n        model\n        promptVersion\n        inputTokens\n        outputTokens\n        costUsd\n        savedUsd\n        cached\n        latencyMs\n        createdAt\n      }\n    }\n  }\n': typeof types.DashArticleDocument;
  '\n  subscription DashArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      delta\n      error\n      at\n      job {\n        id\n        attempt\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n        error\n        costUsd\n      }\n    }\n  }\n': typeof types.DashArticleEventsDocument;
  '\n  mutation DashRetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n': typeof types.DashRetryArticleDocument;
  '\n  mutation DashCancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n': typeof types.DashCancelArticleDocument;
  '\n  query DashFailures($errorKind: String) {\n    failureGroups {\n      errorKind\n      count\n    }\n    jobs(first: 100, filter: { state: FAILED, errorKind: $errorKind }) {\n      totalCount\n      edges {\n        node {\n          id\n          attempt\n          error\n          errorKind\n          finishedAt\n          article {\n            id\n            title\n            status\n          }\n        }\n      }\n    }\n  }\n': typeof types.DashFailuresDocument;
  '\n  mutation DashRetryFailed($errorKind: String) {\n    retryArticles(filter: { state: FAILED, errorKind: $errorKind }, limit: 10000) {\n      __typename\n      ... on RetryArticlesPayload {\n        queued\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n': typeof types.DashRetryFailedDocument;
  '\n  mutation DashSubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n': typeof types.DashSubmitArticleDocument;
  '\n  mutation DashSubmitBatch($input: [SubmitArticleInput!]!) {\n    submitArticles(input: $input) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n': typeof types.DashSubmitBatchDocument;
  '\n  subscription DashBatchProgress($id: ID!) {\n    batchProgress(id: $id) {\n      id\n      total\n      pending\n      processing\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n': typeof types.DashBatchProgressDocument;
  '\n  query DashCosts($days: Int!, $from: DateTime!, $to: DateTime!) {\n    costReport(days: $days) {\n      totalUsd\n      calls\n      articles\n      totalTokens\n      savedUsd\n      cachedCalls\n      avgPerArticleUsd\n      byModel {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n      byStep {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n    }\n    daily: timeseries(query: { metric: LLM_COST_USD, from: $from, to: $to, stepSeconds: 86400, groupBy: [MODEL, STEP] }) {\n      labels {\n        name\n        value\n      }\n      points {\n        t\n        v\n      }\n    }\n  }\n': typeof types.DashCostsDocument;
};
const documents: Documents = {
  '\n  query DashOverview($from: DateTime!, $to: DateTime!, $dayFrom: DateTime!, $dayTo: DateTime!) {\n    succeeded: timeseries(query: { metric: JOBS_SUCCEEDED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    failed: timeseries(query: { metric: JOBS_FAILED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    p95: timeseries(query: { metric: PROCESSING_TIME_P95, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    today: timeseries(query: { metric: LLM_COST_USD, from: $dayFrom, to: $dayTo, stepSeconds: 86400 }) {\n      points {\n        t\n        v\n      }\n    }\n    budget {\n      scope\n      month\n      limitUsd\n      spentUsd\n      reservedUsd\n      forecastUsd\n      state\n      pausedJobs\n    }\n    costReport(days: 30) {\n      savedUsd\n      cachedCalls\n    }\n  }\n':
    types.DashOverviewDocument,
  '\n  subscription DashQueueStats {\n    queueStats(intervalSeconds: 2) {\n      at\n      pending\n      inFlight\n      activeWorkers\n      byPriority {\n        priority\n        pending\n        inFlight\n        redelivered\n        oldestWaitMs\n      }\n    }\n  }\n':
    types.DashQueueStatsDocument,
  '\n  query DashWorkers {\n    workers {\n      id\n      host\n      state\n      inFlight\n      concurrency\n      processed\n      failed\n      lastSeenAt\n      startedAt\n      version\n    }\n  }\n':
    types.DashWorkersDocument,
  '\n  fragment DashArticleRow on Article {\n    id\n    title\n    status\n    priority\n    createdAt\n    costUsd\n    sentiment\n    job {\n      id\n      state\n      progress\n      attempt\n    }\n  }\n':
    types.DashArticleRowFragmentDoc,
  '\n  query DashArticles($first: Int!, $after: String, $filter: ArticleFilter) {\n    articles(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...DashArticleRow\n        }\n      }\n    }\n  }\n':
    types.DashArticlesDocument,
  '\n  subscription DashArticleFeed($filter: ArticleFilter) {\n    articleFeed(filter: $filter) {\n      type\n      progress\n      step\n      article {\n        ...DashArticleRow\n      }\n    }\n  }\n':
    types.DashArticleFeedDocument,
  '\n  query DashArticle($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      status\n      priority\n      summary\n      keywords\n      sentiment\n      error\n      costUsd\n      createdAt\n      processedAt\n      jobs {\n        id\n        state\n        attempt\n        maxAttempts\n        error\n        errorKind\n        queuedAt\n        startedAt\n        finishedAt\n        durationMs\n        workerId\n        progress\n        steps {\n          name\n          state\n          model\n          cached\n          startedAt\n          finishedAt\n          error\n        }\n      }\n      llmCalls {\n        step\n        attempt\n        callIndex\n        provider\n        model\n        promptVersion\n        inputTokens\n        outputTokens\n        costUsd\n        savedUsd\n        cached\n        latencyMs\n        createdAt\n      }\n    }\n  }\n':
    types.DashArticleDocument,
  '\n  subscription DashArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      delta\n      error\n      at\n      job {\n        id\n        attempt\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n        error\n        costUsd\n      }\n    }\n  }\n':
    types.DashArticleEventsDocument,
  '\n  mutation DashRetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n':
    types.DashRetryArticleDocument,
  '\n  mutation DashCancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n':
    types.DashCancelArticleDocument,
  '\n  query DashFailures($errorKind: String) {\n    failureGroups {\n      errorKind\n      count\n    }\n    jobs(first: 100, filter: { state: FAILED, errorKind: $errorKind }) {\n      totalCount\n      edges {\n        node {\n          id\n          attempt\n          error\n          errorKind\n          finishedAt\n          article {\n            id\n            title\n            status\n          }\n        }\n      }\n    }\n  }\n':
    types.DashFailuresDocument,
  '\n  mutation DashRetryFailed($errorKind: String) {\n    retryArticles(filter: { state: FAILED, errorKind: $errorKind }, limit: 10000) {\n      __typename\n      ... on RetryArticlesPayload {\n        queued\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n':
    types.DashRetryFailedDocument,
  '\n  mutation DashSubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n':
    types.DashSubmitArticleDocument,
  '\n  mutation DashSubmitBatch($input: [SubmitArticleInput!]!) {\n    submitArticles(input: $input) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n':
    types.DashSubmitBatchDocument,
  '\n  subscription DashBatchProgress($id: ID!) {\n    batchProgress(id: $id) {\n      id\n      total\n      pending\n      processing\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n':
    types.DashBatchProgressDocument,
  '\n  query DashCosts($days: Int!, $from: DateTime!, $to: DateTime!) {\n    costReport(days: $days) {\n      totalUsd\n      calls\n      articles\n      totalTokens\n      savedUsd\n      cachedCalls\n      avgPerArticleUsd\n      byModel {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n      byStep {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n    }\n    daily: timeseries(query: { metric: LLM_COST_USD, from: $from, to: $to, stepSeconds: 86400, groupBy: [MODEL, STEP] }) {\n      labels {\n        name\n        value\n      }\n      points {\n        t\n        v\n      }\n    }\n  }\n':
    types.DashCostsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashOverview($from: DateTime!, $to: DateTime!, $dayFrom: DateTime!, $dayTo: DateTime!) {\n    succeeded: timeseries(query: { metric: JOBS_SUCCEEDED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    failed: timeseries(query: { metric: JOBS_FAILED, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    p95: timeseries(query: { metric: PROCESSING_TIME_P95, from: $from, to: $to, stepSeconds: 60 }) {\n      points {\n        t\n        v\n      }\n    }\n    today: timeseries(query: { metric: LLM_COST_USD, from: $dayFrom, to: $dayTo, stepSeconds: 86400 }) {\n      points {\n        t\n        v\n      }\n    }\n    budget {\n      scope\n      month\n      limitUsd\n      spentUsd\n      reservedUsd\n      forecastUsd\n      state\n      pausedJobs\n    }\n    costReport(days: 30) {\n      savedUsd\n      cachedCalls\n    }\n  }\n',
): typeof import('./graphql.js').DashOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  subscription DashQueueStats {\n    queueStats(intervalSeconds: 2) {\n      at\n      pending\n      inFlight\n      activeWorkers\n      byPriority {\n        priority\n        pending\n        inFlight\n        redelivered\n        oldestWaitMs\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashQueueStatsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashWorkers {\n    workers {\n      id\n      host\n      state\n      inFlight\n      concurrency\n      processed\n      failed\n      lastSeenAt\n      startedAt\n      version\n    }\n  }\n',
): typeof import('./graphql.js').DashWorkersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment DashArticleRow on Article {\n    id\n    title\n    status\n    priority\n    createdAt\n    costUsd\n    sentiment\n    job {\n      id\n      state\n      progress\n      attempt\n    }\n  }\n',
): typeof import('./graphql.js').DashArticleRowFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashArticles($first: Int!, $after: String, $filter: ArticleFilter) {\n    articles(first: $first, after: $after, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...DashArticleRow\n        }\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashArticlesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  subscription DashArticleFeed($filter: ArticleFilter) {\n    articleFeed(filter: $filter) {\n      type\n      progress\n      step\n      article {\n        ...DashArticleRow\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashArticleFeedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashArticle($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      status\n      priority\n      summary\n      keywords\n      sentiment\n      error\n      costUsd\n      createdAt\n      processedAt\n      jobs {\n        id\n        state\n        attempt\n        maxAttempts\n        error\n        errorKind\n        queuedAt\n        startedAt\n        finishedAt\n        durationMs\n        workerId\n        progress\n        steps {\n          name\n          state\n          model\n          cached\n          startedAt\n          finishedAt\n          error\n        }\n      }\n      llmCalls {\n        step\n        attempt\n        callIndex\n        provider\n        model\n        promptVersion\n        inputTokens\n        outputTokens\n        costUsd\n        savedUsd\n        cached\n        latencyMs\n        createdAt\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashArticleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  subscription DashArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      delta\n      error\n      at\n      job {\n        id\n        attempt\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n        error\n        costUsd\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashArticleEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DashRetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashRetryArticleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DashCancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashCancelArticleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashFailures($errorKind: String) {\n    failureGroups {\n      errorKind\n      count\n    }\n    jobs(first: 100, filter: { state: FAILED, errorKind: $errorKind }) {\n      totalCount\n      edges {\n        node {\n          id\n          attempt\n          error\n          errorKind\n          finishedAt\n          article {\n            id\n            title\n            status\n          }\n        }\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashFailuresDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DashRetryFailed($errorKind: String) {\n    retryArticles(filter: { state: FAILED, errorKind: $errorKind }, limit: 10000) {\n      __typename\n      ... on RetryArticlesPayload {\n        queued\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashRetryFailedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DashSubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashSubmitArticleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DashSubmitBatch($input: [SubmitArticleInput!]!) {\n    submitArticles(input: $input) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashSubmitBatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  subscription DashBatchProgress($id: ID!) {\n    batchProgress(id: $id) {\n      id\n      total\n      pending\n      processing\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n',
): typeof import('./graphql.js').DashBatchProgressDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query DashCosts($days: Int!, $from: DateTime!, $to: DateTime!) {\n    costReport(days: $days) {\n      totalUsd\n      calls\n      articles\n      totalTokens\n      savedUsd\n      cachedCalls\n      avgPerArticleUsd\n      byModel {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n      byStep {\n        key\n        calls\n        tokens\n        usd\n        savedUsd\n      }\n    }\n    daily: timeseries(query: { metric: LLM_COST_USD, from: $from, to: $to, stepSeconds: 86400, groupBy: [MODEL, STEP] }) {\n      labels {\n        name\n        value\n      }\n      points {\n        t\n        v\n      }\n    }\n  }\n',
): typeof import('./graphql.js').DashCostsDocument;

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
