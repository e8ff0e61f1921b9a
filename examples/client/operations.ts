import { graphql } from './generated/gql.js';

/** The operations this client sends, typed from schema.graphql by GraphQL Code Generator. */

export const SubmitBatch = graphql(`
  mutation ExampleSubmitBatch($input: [SubmitArticleInput!]!, $idempotencyKey: String) {
    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {
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

export const FollowBatch = graphql(`
  subscription ExampleFollowBatch($id: ID!) {
    batchProgress(id: $id) {
      total
      completed
      failed
      cancelled
      finished
    }
  }
`);

export const BatchArticles = graphql(`
  query ExampleBatchArticles($batchId: ID!, $after: String) {
    articles(first: 25, after: $after, filter: { batchId: $batchId }) {
      edges {
        node {
          id
          title
          status
          summary
          sentiment
          keywords
          costUsd
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
