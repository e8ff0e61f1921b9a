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
    "\n  mutation SubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n          status\n          priority\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n    }\n  }\n": typeof types.SubmitArticleDocument,
    "\n  query ArticleDetails($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      priority\n      status\n      summary\n      keywords\n      sentiment\n      error\n      createdAt\n      processedAt\n      costUsd\n      job {\n        id\n        state\n        attempt\n        maxAttempts\n        progress\n        error\n        errorKind\n        workerId\n        durationMs\n        steps {\n          name\n          state\n          model\n          cached\n        }\n      }\n      llmCalls {\n        step\n        provider\n        model\n        inputTokens\n        outputTokens\n        costUsd\n        cached\n        latencyMs\n      }\n    }\n  }\n": typeof types.ArticleDetailsDocument,
    "\n  query JobById($id: ID!) {\n    job(id: $id) {\n      id\n      state\n      attempt\n      article {\n        id\n        status\n      }\n    }\n  }\n": typeof types.JobByIdDocument,
    "\n  subscription ArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      error\n      job {\n        id\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n      }\n    }\n  }\n": typeof types.ArticleEventsDocument,
    "\n  mutation RetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on RetryArticlePayload {\n        article {\n          id\n          status\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.RetryArticleDocument,
    "\n  mutation CancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on CancelArticlePayload {\n        article {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CancelArticleDocument,
};
const documents: Documents = {
    "\n  mutation SubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n          status\n          priority\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n    }\n  }\n": types.SubmitArticleDocument,
    "\n  query ArticleDetails($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      priority\n      status\n      summary\n      keywords\n      sentiment\n      error\n      createdAt\n      processedAt\n      costUsd\n      job {\n        id\n        state\n        attempt\n        maxAttempts\n        progress\n        error\n        errorKind\n        workerId\n        durationMs\n        steps {\n          name\n          state\n          model\n          cached\n        }\n      }\n      llmCalls {\n        step\n        provider\n        model\n        inputTokens\n        outputTokens\n        costUsd\n        cached\n        latencyMs\n      }\n    }\n  }\n": types.ArticleDetailsDocument,
    "\n  query JobById($id: ID!) {\n    job(id: $id) {\n      id\n      state\n      attempt\n      article {\n        id\n        status\n      }\n    }\n  }\n": types.JobByIdDocument,
    "\n  subscription ArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      error\n      job {\n        id\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n      }\n    }\n  }\n": types.ArticleEventsDocument,
    "\n  mutation RetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on RetryArticlePayload {\n        article {\n          id\n          status\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.RetryArticleDocument,
    "\n  mutation CancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on CancelArticlePayload {\n        article {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CancelArticleDocument,
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
export function graphql(source: "\n  mutation SubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n          status\n          priority\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SubmitArticle($input: SubmitArticleInput!) {\n    submitArticle(input: $input) {\n      __typename\n      ... on SubmitArticlePayload {\n        article {\n          id\n          status\n          priority\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ArticleDetails($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      priority\n      status\n      summary\n      keywords\n      sentiment\n      error\n      createdAt\n      processedAt\n      costUsd\n      job {\n        id\n        state\n        attempt\n        maxAttempts\n        progress\n        error\n        errorKind\n        workerId\n        durationMs\n        steps {\n          name\n          state\n          model\n          cached\n        }\n      }\n      llmCalls {\n        step\n        provider\n        model\n        inputTokens\n        outputTokens\n        costUsd\n        cached\n        latencyMs\n      }\n    }\n  }\n"): (typeof documents)["\n  query ArticleDetails($id: ID!) {\n    article(id: $id) {\n      id\n      title\n      content\n      sourceUrl\n      priority\n      status\n      summary\n      keywords\n      sentiment\n      error\n      createdAt\n      processedAt\n      costUsd\n      job {\n        id\n        state\n        attempt\n        maxAttempts\n        progress\n        error\n        errorKind\n        workerId\n        durationMs\n        steps {\n          name\n          state\n          model\n          cached\n        }\n      }\n      llmCalls {\n        step\n        provider\n        model\n        inputTokens\n        outputTokens\n        costUsd\n        cached\n        latencyMs\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobById($id: ID!) {\n    job(id: $id) {\n      id\n      state\n      attempt\n      article {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  query JobById($id: ID!) {\n    job(id: $id) {\n      id\n      state\n      attempt\n      article {\n        id\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      error\n      job {\n        id\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ArticleEvents($id: ID!, $afterSeq: Int) {\n    articleEvents(id: $id, afterSeq: $afterSeq) {\n      seq\n      type\n      step\n      progress\n      error\n      job {\n        id\n        state\n      }\n      article {\n        id\n        status\n        summary\n        keywords\n        sentiment\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on RetryArticlePayload {\n        article {\n          id\n          status\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RetryArticle($id: ID!) {\n    retryArticle(id: $id) {\n      __typename\n      ... on RetryArticlePayload {\n        article {\n          id\n          status\n        }\n        job {\n          id\n          state\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on CancelArticlePayload {\n        article {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelArticle($id: ID!) {\n    cancelArticle(id: $id) {\n      __typename\n      ... on CancelArticlePayload {\n        article {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;