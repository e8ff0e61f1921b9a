import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

/**
 * The playground: GraphiQL from the package's own bundle (no CDN, works offline), opened on tabs
 * with example operations. `authorization` is left for the user to fill in when AUTH=required.
 */
export const renderPlayground = renderGraphiQL;

const submit = `# Submit an article: answers at once with its id and its job's id.
mutation Submit {
  submitArticle(input: {
    title: "Record quarter"
    content: "The company reported record profits this quarter. Growth was strong across every region."
    sourceUrl: "https://news.example.com/a/1"
    priority: HIGH
  }) {
    __typename
    ... on SubmitArticlePayload { article { id status } job { id state } }
    ... on ValidationError { message fieldErrors { path message } }
    ... on RateLimitedError { message retryAfterSeconds }
  }
}`;

const follow = `# Follow an article as it is processed: a SNAPSHOT first, then every change.
# Put the id the Submit tab returned into the variables below.
subscription Follow($id: ID!) {
  articleEvents(id: $id) {
    seq type step progress error
    article { id status summary keywords sentiment }
  }
}`;

const lookUp = `# An article with its jobs, each step's model and the LLM calls it paid for.
query Article($id: ID!) {
  article(id: $id) {
    id title status summary keywords sentiment error costUsd
    jobs { id state attempt steps { name state model cached } }
    llmCalls { step provider model inputTokens outputTokens costUsd }
  }
}`;

const list = `# Newest articles first, 20 a page: pass pageInfo.endCursor as $after for the next page.
# Filters: status, priority, createdAfter/Before, batchId, search (any language).
query List($after: String) {
  articles(first: 20, after: $after, filter: { status: COMPLETED }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title status sentiment costUsd createdAt } }
  }
  failureGroups { errorKind count }
}`;

const feed = `# Every change of every article, live (a dashboard's feed).
subscription Feed {
  articleFeed(filter: { priority: HIGH }) {
    type progress
    article { id title status }
  }
}`;

export const PLAYGROUND_TABS = [
  { query: submit },
  { query: follow, variables: JSON.stringify({ id: '1' }, null, 2) },
  { query: lookUp, variables: JSON.stringify({ id: '1' }, null, 2) },
  { query: list },
  { query: feed },
];
