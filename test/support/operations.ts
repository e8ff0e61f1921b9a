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
      llmCalls {
        step
        provider
        model
        inputTokens
        outputTokens
        costUsd
        cached
        latencyMs
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
