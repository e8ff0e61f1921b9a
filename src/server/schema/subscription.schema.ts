import type { ArticleEvent } from '../../articles/article-event.js';
import { NotFoundError } from '../../lib/errors.js';
import { visibleTenant } from '../../access/viewer.js';
import { streamArticleEvents } from '../article-event.stream.js';
import { streamArticleFeed, streamBatchProgress } from '../article-feed.stream.js';
import { Batch, parseBatchId } from './batch.schema.js';
import { articleFilter, ArticleFilter } from './listing.schema.js';
import { Article, Job } from './article.schema.js';
import { builder } from './builder.js';
import { requiresScope } from '../operation-guard.js';
import { ArticleEventTypeEnum, StepNameEnum } from './enums.schema.js';
import { parseArticleId } from './ids.js';

const ArticleEventRef = builder.objectRef<ArticleEvent>('ArticleEvent').implement({
  description: 'A change of an article or its job. `seq` orders the logged events of one article.',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    type: t.field({ type: ArticleEventTypeEnum, resolve: (e) => e.type }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    article: t.field({ type: Article, resolve: (e) => e.article }),
    job: t.field({ type: Job, nullable: true, resolve: (e) => e.job }),
    step: t.field({ type: StepNameEnum, nullable: true, resolve: (e) => e.step }),
    progress: t.exposeFloat('progress'),
    delta: t.exposeString('delta', { nullable: true, description: 'Summary text as it is written (SUMMARY_DELTA).' }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

builder.subscriptionFields((t) => ({
  articleEvents: t.field({
    type: ArticleEventRef,
    description:
      'SNAPSHOT of the current state first (or the logged events after `afterSeq`), then live events. SUMMARY_DELTA events carry the summary as the model writes it (at most one per 50 ms, not replayed): their `delta`s, joined, are the summary; a delta of a new `job.attempt` starts the text again.',
    extensions: requiresScope('articles:read'),
    args: { id: t.arg.id({ required: true }), afterSeq: t.arg.int() },
    subscribe: (_root, { id, afterSeq }, ctx) => {
      const articleId = parseArticleId(id);
      if (articleId === undefined) throw new NotFoundError(`Article ${id} not found`);
      return streamArticleEvents(ctx, articleId, afterSeq);
    },
    resolve: (event) => event,
  }),
}));

builder.subscriptionFields((t) => ({
  articleFeed: t.field({
    type: ArticleEventRef,
    description:
      'Every change of every article matching the filter, live (for dashboards; `search` matches titles here; summary text as it is written only on articleEvents). Subscribers with the same operation, variables and tenant share one execution and one serialisation per event.',
    extensions: requiresScope('articles:read'),
    args: { filter: t.arg({ type: ArticleFilter }) },
    subscribe: (_root, { filter }, ctx) => streamArticleFeed(ctx, articleFilter(filter), visibleTenant(ctx.viewer)),
    resolve: (event) => event,
  }),
  batchProgress: t.field({
    type: Batch,
    description: "The batch's counts now, then on every status change of one of its articles; completes when all are finished.",
    extensions: requiresScope('articles:read'),
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => {
      const batchId = parseBatchId(id);
      if (batchId === undefined) throw new NotFoundError(`Batch ${id} not found`);
      return streamBatchProgress(ctx, batchId, visibleTenant(ctx.viewer));
    },
    resolve: (counts) => counts,
  }),
}));
