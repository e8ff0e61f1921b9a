import { visibleTenant } from '../../access/viewer.js';
import type { ArticleView, Job as JobModel } from '../../articles/article.model.js';
import { MAX_BULK_RETRY } from '../../articles/article.service.js';
import type {
  ArticleFilter as ArticleFilterShape,
  FailureGroup as FailureGroupShape,
  JobKey,
} from '../../articles/listing.repository.js';
import { RateLimitedError } from '../../lib/errors.js';
import { requiresScope } from '../operation-guard.js';
import { Article, Job } from './article.schema.js';
import { builder } from './builder.js';
import { connectionType, encodeCursor, pageRequest, argumentError, toConnection } from './connection.js';
import { ArticleStatusEnum, JobStateEnum, PriorityEnum } from './enums.schema.js';
import { parseArticleId, parseJobId } from './ids.js';

const MAX_SEARCH_CHARS = 200;

export const ArticleFilter = builder.inputType('ArticleFilter', {
  fields: (t) => ({
    status: t.field({ type: ArticleStatusEnum }),
    priority: t.field({ type: PriorityEnum }),
    search: t.string({ description: 'Text in the title or content (substring, any language; case-insensitive).' }),
    createdAfter: t.field({ type: 'DateTime' }),
    createdBefore: t.field({ type: 'DateTime' }),
    batchId: t.id(),
  }),
});

export const JobFilter = builder.inputType('JobFilter', {
  fields: (t) => ({
    state: t.field({ type: JobStateEnum }),
    errorKind: t.string({ description: 'rate_limited, timeout, bad_request, …' }),
    priority: t.field({ type: PriorityEnum }),
  }),
});

type ArticleFilterInput = typeof ArticleFilter.$inferInput;

/** The filter as the repository takes it; a bad value is a BAD_USER_INPUT error naming it. */
export function articleFilter(input: ArticleFilterInput | null | undefined): ArticleFilterShape {
  if (!input) return {};
  const search = input.search?.trim();
  if (search !== undefined && search.length > MAX_SEARCH_CHARS)
    throw argumentError('filter.search', `must be at most ${MAX_SEARCH_CHARS} characters`);
  if (input.batchId != null && !parseJobId(String(input.batchId))) throw argumentError('filter.batchId', 'is not a batch id');
  return { ...input, search: search || null, batchId: input.batchId == null ? null : String(input.batchId).toLowerCase() };
}

const ArticleConnection = connectionType<ArticleView>('Article', Article);
const JobConnection = connectionType<JobModel & { key: JobKey }>('Job', Job as never);

const articleCursor = (a: ArticleView) => encodeCursor('article', String(a.id));
const jobCursor = (j: { key: JobKey }) => encodeCursor('job', `${j.key.queuedAtUs}:${j.key.id}`);
function parseJobKey(text: string): JobKey | undefined {
  const [us, id] = text.split(':');
  return us && /^\d{1,19}$/.test(us) && id && parseJobId(id) ? { queuedAtUs: us, id } : undefined;
}

const FailureGroup = builder.objectRef<FailureGroupShape>('FailureGroup').implement({
  description: 'FAILED articles sharing the error kind of their latest job.',
  fields: (t) => ({ errorKind: t.exposeString('errorKind'), count: t.exposeInt('count') }),
});

const RetryArticlesPayload = builder.objectRef<{ queued: number }>('RetryArticlesPayload').implement({
  fields: (t) => ({ queued: t.exposeInt('queued', { description: 'Articles given a new job.' }) }),
});

const pageArgs = (t: Parameters<Parameters<typeof builder.queryFields>[0]>[0]) => ({
  first: t.arg.int(),
  after: t.arg.string(),
  last: t.arg.int(),
  before: t.arg.string(),
});

builder.queryFields((t) => ({
  articles: t.field({
    type: ArticleConnection,
    description: 'Articles newest first, keyset-paged (Relay).',
    extensions: requiresScope('articles:read'),
    args: { ...pageArgs(t), filter: t.arg({ type: ArticleFilter }) },
    resolve: async (_root, args, ctx) => {
      const request = pageRequest(args, 'article', parseArticleId);
      const filter = articleFilter(args.filter);
      const tenant = visibleTenant(ctx.viewer);
      const page = await ctx.listing.articles(filter, tenant, request);
      return toConnection(page, articleCursor, () => ctx.listing.countArticles(filter, tenant));
    },
  }),
  jobs: t.field({
    type: JobConnection,
    description: 'Jobs newest first (by queue time), keyset-paged (Relay). `filter: {state: FAILED}` lists dead letters.',
    extensions: requiresScope('articles:read'),
    args: { ...pageArgs(t), filter: t.arg({ type: JobFilter }) },
    resolve: async (_root, args, ctx) => {
      const request = pageRequest(args, 'job', parseJobKey);
      const filter = args.filter ?? {};
      const tenant = visibleTenant(ctx.viewer);
      const page = await ctx.listing.jobs(filter, tenant, request);
      return toConnection(page, jobCursor, () => ctx.listing.countJobs(filter, tenant));
    },
  }),
  failureGroups: t.field({
    type: [FailureGroup],
    description: 'FAILED articles grouped by error kind, largest group first: what `retryArticles` would pick up.',
    extensions: requiresScope('articles:read'),
    resolve: (_root, _args, ctx) => ctx.listing.failureGroups(visibleTenant(ctx.viewer)),
  }),
}));

builder.mutationFields((t) => ({
  retryArticles: t.field({
    type: RetryArticlesPayload,
    description: `Queues a new job for each FAILED or CANCELLED article with a job matching the filter (oldest first, at most \`limit\`, up to ${MAX_BULK_RETRY}); each runs only its missing steps.`,
    extensions: requiresScope('articles:write'),
    args: { filter: t.arg({ type: JobFilter, required: true }), limit: t.arg.int({ defaultValue: 1_000 }) },
    errors: { types: [RateLimitedError], union: { name: 'RetryArticlesResult' } },
    resolve: async (_root, args, ctx) => {
      const { filter } = args;
      const limit = args.limit ?? 1_000;
      if (limit < 1 || limit > MAX_BULK_RETRY) throw argumentError('limit', `must be between 1 and ${MAX_BULK_RETRY}`);
      return { queued: await ctx.articles.retryMatching(filter, ctx.viewer, limit) };
    },
  }),
}));
