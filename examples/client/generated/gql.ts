/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "\n  mutation ExampleSubmitBatch($input: [SubmitArticleInput!]!, $idempotencyKey: String) {\n    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n": typeof types.ExampleSubmitBatchDocument,
    "\n  subscription ExampleFollowBatch($id: ID!) {\n    batchProgress(id: $id) {\n      total\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n": typeof types.ExampleFollowBatchDocument,
    "\n  query ExampleBatchArticles($batchId: ID!, $after: String) {\n    articles(first: 25, after: $after, filter: { batchId: $batchId }) {\n      edges {\n        node {\n          id\n          title\n          status\n          summary\n          sentiment\n          keywords\n          costUsd\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ExampleBatchArticlesDocument,
};
const documents: Documents = {
    "\n  mutation ExampleSubmitBatch($input: [SubmitArticleInput!]!, $idempotencyKey: String) {\n    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n": types.ExampleSubmitBatchDocument,
    "\n  subscription ExampleFollowBatch($id: ID!) {\n    batchProgress(id: $id) {\n      total\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n": types.ExampleFollowBatchDocument,
    "\n  query ExampleBatchArticles($batchId: ID!, $after: String) {\n    articles(first: 25, after: $after, filter: { batchId: $batchId }) {\n      edges {\n        node {\n          id\n          title\n          status\n          summary\n          sentiment\n          keywords\n          costUsd\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ExampleBatchArticlesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExampleSubmitBatch($input: [SubmitArticleInput!]!, $idempotencyKey: String) {\n    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ExampleSubmitBatch($input: [SubmitArticleInput!]!, $idempotencyKey: String) {\n    submitArticles(input: $input, idempotencyKey: $idempotencyKey) {\n      __typename\n      ... on SubmitArticlesPayload {\n        batch {\n          id\n          total\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n      ... on RateLimitedError {\n        message\n        retryAfterSeconds\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ExampleFollowBatch($id: ID!) {\n    batchProgress(id: $id) {\n      total\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n"): (typeof documents)["\n  subscription ExampleFollowBatch($id: ID!) {\n    batchProgress(id: $id) {\n      total\n      completed\n      failed\n      cancelled\n      finished\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExampleBatchArticles($batchId: ID!, $after: String) {\n    articles(first: 25, after: $after, filter: { batchId: $batchId }) {\n      edges {\n        node {\n          id\n          title\n          status\n          summary\n          sentiment\n          keywords\n          costUsd\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExampleBatchArticles($batchId: ID!, $after: String) {\n    articles(first: 25, after: $after, filter: { batchId: $batchId }) {\n      edges {\n        node {\n          id\n          title\n          status\n          summary\n          sentiment\n          keywords\n          costUsd\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;