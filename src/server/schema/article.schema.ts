import type {
  ArticleOptions as ArticleOptionsModel,
  ArticleView,
  Job as JobModel,
  JobStep as JobStepModel,
  LlmCall as LlmCallModel,
} from '../../articles/article.model.js';
import { STEP_COUNT } from '../../articles/step-catalog.js';
import { InputValidationError, InvalidStateError, NotFoundError, RateLimitedError } from '../../lib/errors.js';
import { builder } from './builder.js';
import { requiresScope } from '../operation-guard.js';
import { ArticleStatusEnum, JobStateEnum, PriorityEnum, SentimentEnum, StepNameEnum } from './enums.schema.js';
import { parseArticleId, parseJobId } from './ids.js';

export const Article = builder.objectRef<ArticleView>('Article');
export const Job = builder.objectRef<JobModel>('Job');
const JobStep = builder.objectRef<JobStepModel>('JobStep');
const LlmCall = builder.objectRef<LlmCallModel>('LlmCall');

const ArticleOptions = builder.objectRef<ArticleOptionsModel>('ArticleOptions').implement({
  description: 'What the submission asked of the steps; unset fields take the defaults.',
  fields: (t) => ({
    summarySentences: t.int({ nullable: true, resolve: (o) => o.summarySentences ?? null }),
    keywords: t.int({ nullable: true, resolve: (o) => o.keywords ?? null }),
    language: t.string({ nullable: true, resolve: (o) => o.language ?? null }),
  }),
});

const ArticleOptionsInput = builder.inputType('ArticleOptionsInput', {
  fields: (t) => ({
    summarySentences: t.int({ description: 'Sentences in the summary, 1 to 10 (default: 2 to 4).' }),
    keywords: t.int({ description: 'Keywords to extract, 1 to 20 (default: 5 to 8).' }),
    language: t.string({
      description: "Language of the summary and keywords, e.g. English, ko, pt-BR (default: the article's).",
    }),
  }),
});

Article.implement({
  description: 'A submitted document and what the LLM steps made of it.',
  fields: (t) => ({
    id: t.id({ resolve: (a) => String(a.id) }),
    title: t.exposeString('title'),
    content: t.string({
      // Articles that arrive with an event carry no content; load it only if asked for.
      resolve: async (a, _args, ctx) => a.content ?? (await ctx.loaders.article.load(a.id))?.content ?? '',
    }),
    sourceUrl: t.exposeString('sourceUrl'),
    priority: t.field({ type: PriorityEnum, resolve: (a) => a.priority }),
    options: t.field({ type: ArticleOptions, nullable: true, resolve: (a) => a.options }),
    status: t.field({ type: ArticleStatusEnum, resolve: (a) => a.status }),
    summary: t.exposeString('summary', { nullable: true }),
    keywords: t.stringList({ resolve: (a) => a.keywords ?? [] }),
    sentiment: t.field({ type: SentimentEnum, nullable: true, resolve: (a) => a.sentiment }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (a) => a.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (a) => a.updatedAt }),
    processedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.processedAt }),
    version: t.exposeInt('version', { description: 'Bumped on every change.' }),
    job: t.field({
      type: Job,
      nullable: true,
      description: 'The latest job.',
      resolve: async (a, _args, ctx) => (await ctx.loaders.jobsByArticle.load(a.id))[0],
    }),
    jobs: t.field({
      type: [Job],
      description: 'Every job, newest first.',
      resolve: (a, _args, ctx) => ctx.loaders.jobsByArticle.load(a.id),
    }),
    llmCalls: t.field({ type: [LlmCall], resolve: (a, _args, ctx) => ctx.loaders.llmCallsByArticle.load(a.id) }),
    costUsd: t.float({
      description: 'Sum of the booked LLM costs.',
      resolve: (a, _args, ctx) => ctx.loaders.costByArticle.load(a.id),
    }),
  }),
});

Job.implement({
  description: 'One run of the pipeline for an article (its "task id"). Retries are attempts of the same job.',
  fields: (t) => ({
    id: t.exposeID('id'),
    article: t.field({
      type: Article,
      resolve: async (j, _args, ctx) => {
        const article = await ctx.loaders.article.load(j.articleId);
        if (!article) throw new Error(`article ${j.articleId} of job ${j.id} is missing`);
        return article;
      },
    }),
    state: t.field({ type: JobStateEnum, resolve: (j) => j.state }),
    priority: t.field({ type: PriorityEnum, resolve: (j) => j.priority }),
    attempt: t.exposeInt('attempt'),
    maxAttempts: t.exposeInt('maxAttempts'),
    progress: t.float({
      description: 'Fraction of the steps done, 0 to 1.',
      resolve: async (j, _args, ctx) =>
        (await ctx.loaders.stepsByJob.load(j.id)).filter((s) => s.state === 'DONE').length / STEP_COUNT,
    }),
    steps: t.field({
      type: [JobStep],
      complexity: { field: 1, multiplier: STEP_COUNT },
      resolve: (j, _args, ctx) => ctx.loaders.stepsByJob.load(j.id),
    }),
    error: t.exposeString('error', { nullable: true }),
    errorKind: t.exposeString('errorKind', { nullable: true, description: 'rate_limited, timeout, bad_request, …' }),
    workerId: t.exposeString('workerId', { nullable: true }),
    queuedAt: t.field({ type: 'DateTime', resolve: (j) => j.queuedAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.finishedAt }),
    durationMs: t.int({
      nullable: true,
      resolve: (j) => (j.startedAt && j.finishedAt ? j.finishedAt.getTime() - j.startedAt.getTime() : null),
    }),
  }),
});

JobStep.implement({
  fields: (t) => ({
    name: t.field({ type: StepNameEnum, resolve: (s) => s.step }),
    state: t.exposeString('state', { description: 'PENDING, RUNNING, DONE, FAILED or CANCELLED' }),
    cached: t.exposeBoolean('cached'),
    model: t.exposeString('model', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.finishedAt }),
  }),
});

LlmCall.implement({
  description: 'One booked LLM call: the cost ledger.',
  fields: (t) => ({
    step: t.field({ type: StepNameEnum, resolve: (c) => c.step }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    promptVersion: t.exposeString('promptVersion'),
    callIndex: t.exposeInt('callIndex', {
      description: "0 for a step's own call; 1, 2, … for the chunk summaries of a long article (map-reduce), in order.",
    }),
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    costUsd: t.float({ nullable: true, description: 'Null when the model has no known price.', resolve: (c) => c.costUsd }),
    cached: t.exposeBoolean('cached', { description: 'Answered from the content cache: no call made, cost 0.' }),
    savedUsd: t.float({
      description: 'What a cached answer saved: the cost of the call that first produced it.',
      resolve: (c) => c.savedUsd,
    }),
    latencyMs: t.exposeInt('latencyMs'),
    attempt: t.exposeInt('attempt'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
  }),
});

export const SubmitArticleInput = builder.inputType('SubmitArticleInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    content: t.string({ required: true }),
    sourceUrl: t.string({ required: true }),
    priority: t.field({ type: PriorityEnum, defaultValue: 'NORMAL' }),
    options: t.field({ type: ArticleOptionsInput, description: 'Summary length, number of keywords, output language.' }),
    cache: t.boolean({
      defaultValue: true,
      description:
        'false: every step calls its model even when an identical article (same title, content, step, model and prompt version) was answered within LLM_CACHE_TTL.',
    }),
    idempotencyKey: t.string({
      description:
        'A key of your choosing (e.g. a UUID): a repeat within 24 h returns the first article and job and queues nothing. Not per item of a batch: submitArticles takes one for the whole batch.',
    }),
  }),
});

const SubmitArticlePayload = builder.objectRef<{ article: ArticleView; job: JobModel }>('SubmitArticlePayload').implement({
  fields: (t) => ({
    article: t.field({ type: Article, resolve: (p) => p.article }),
    job: t.field({ type: Job, resolve: (p) => p.job }),
  }),
});

const RetryArticlePayload = builder.objectRef<{ article: ArticleView; job: JobModel }>('RetryArticlePayload').implement({
  fields: (t) => ({
    article: t.field({ type: Article, resolve: (p) => p.article }),
    job: t.field({ type: Job, resolve: (p) => p.job }),
  }),
});

const CancelArticlePayload = builder.objectRef<{ article: ArticleView }>('CancelArticlePayload').implement({
  fields: (t) => ({ article: t.field({ type: Article, resolve: (p) => p.article }) }),
});

/** An article id for a mutation: malformed ids are simply not found. */
function requireArticleId(id: string | number): number {
  const articleId = parseArticleId(id);
  if (articleId === undefined) throw new NotFoundError(`Article ${id} not found`);
  return articleId;
}

builder.queryFields((t) => ({
  article: t.field({
    type: Article,
    nullable: true,
    extensions: requiresScope('articles:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const articleId = parseArticleId(id);
      return articleId === undefined ? null : ((await ctx.loaders.article.load(articleId)) ?? null);
    },
  }),
  job: t.field({
    type: Job,
    nullable: true,
    extensions: requiresScope('articles:read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const jobId = parseJobId(id);
      return jobId === undefined ? null : ((await ctx.loaders.job.load(jobId)) ?? null);
    },
  }),
}));

builder.mutationFields((t) => ({
  submitArticle: t.field({
    type: SubmitArticlePayload,
    description:
      'Stores the article and queues its job; answers at once with both ids. With `idempotencyKey`, a repeat within 24 h answers the first article and job.',
    args: { input: t.arg({ type: SubmitArticleInput, required: true }) },
    extensions: requiresScope('articles:write'),
    errors: { types: [InputValidationError, RateLimitedError], union: { name: 'SubmitArticleResult' } },
    resolve: (_root, { input }, ctx) => ctx.articles.submitOne(input, ctx.viewer),
  }),
  retryArticle: t.field({
    type: RetryArticlePayload,
    description: 'Queues a new job for a FAILED or CANCELLED article; steps already done are not run again.',
    args: { id: t.arg.id({ required: true }) },
    extensions: requiresScope('articles:write'),
    errors: { types: [NotFoundError, InvalidStateError, RateLimitedError], union: { name: 'RetryArticleResult' } },
    resolve: (_root, { id }, ctx) => ctx.articles.retry(requireArticleId(id), ctx.viewer),
  }),
  cancelArticle: t.field({
    type: CancelArticlePayload,
    description: 'Cancels a PENDING or PROCESSING article; a running job aborts its LLM calls.',
    args: { id: t.arg.id({ required: true }) },
    extensions: requiresScope('articles:write'),
    errors: { types: [NotFoundError, InvalidStateError], union: { name: 'CancelArticleResult' } },
    resolve: async (_root, { id }, ctx) => ({ article: await ctx.articles.cancel(requireArticleId(id), ctx.viewer) }),
  }),
}));
