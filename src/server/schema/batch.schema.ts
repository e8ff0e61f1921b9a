import type { Article as ArticleModel } from '../../articles/article.model.js';
import type { BatchCounts } from '../../articles/listing.repository.js';
import { InputValidationError, RateLimitedError } from '../../lib/errors.js';
import { requiresScope } from '../operation-guard.js';
import { Article, SubmitArticleInput } from './article.schema.js';
import { builder } from './builder.js';
import { MAX_PAGE_SIZE } from './connection.js';
import { parseJobId } from './ids.js';

export const Batch = builder.objectRef<BatchCounts>('Batch').implement({
  description: 'Articles submitted together; the counts are their statuses now.',
  fields: (t) => ({
    id: t.exposeID('id'),
    total: t.exposeInt('total'),
    pending: t.exposeInt('pending'),
    processing: t.exposeInt('processing'),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    finished: t.boolean({
      description: 'Every article is COMPLETED, FAILED or CANCELLED.',
      resolve: (b) => b.completed + b.failed + b.cancelled >= b.total,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (b) => b.createdAt }),
  }),
});

/** A batch id from the API (a uuid), or undefined when it cannot be one. */
export const parseBatchId = parseJobId;

const SubmitArticlesPayload = builder
  .objectRef<{ batchId: string; articles: ArticleModel[] }>('SubmitArticlesPayload')
  .implement({
    fields: (t) => ({
      batch: t.field({
        type: Batch,
        resolve: async (p, _args, ctx) => {
          const batch = await ctx.loaders.batch.load(p.batchId);
          if (!batch) throw new Error(`batch ${p.batchId} is missing`);
          return batch;
        },
      }),
      articles: t.field({
        type: [Article],
        description: 'In the order submitted.',
        complexity: { field: 1, multiplier: MAX_PAGE_SIZE },
        resolve: (p) => p.articles,
      }),
    }),
  });

builder.queryFields((t) => ({
  batch: t.field({
    type: Batch,
    nullable: true,
    extensions: requiresScope('articles:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const batchId = parseBatchId(id);
      return batchId === undefined ? null : ((await ctx.loaders.batch.load(batchId)) ?? null);
    },
  }),
}));

builder.mutationFields((t) => ({
  submitArticles: t.field({
    type: SubmitArticlesPayload,
    description:
      'Stores a batch of articles and queues their jobs in one statement: all or nothing. A bad item rejects the batch with field paths starting at its index. With `idempotencyKey`, a repeat within 24 h answers the first batch and queues nothing.',
    extensions: requiresScope('articles:write'),
    args: {
      input: t.arg({ type: [SubmitArticleInput], required: true }),
      idempotencyKey: t.arg.string(),
    },
    errors: { types: [InputValidationError, RateLimitedError], union: { name: 'SubmitArticlesResult' } },
    resolve: (_root, { input, idempotencyKey }, ctx) => ctx.articles.submitBatch(input, ctx.viewer, idempotencyKey),
  }),
}));
