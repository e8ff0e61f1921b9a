import { createHash } from 'node:crypto';
import { createAuditLog } from '../access/audit.repository.js';
import { visibleTenant, type Viewer } from '../access/viewer.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { Article, Job } from './article.model.js';
import { InputValidationError, NotFoundError } from '../lib/errors.js';
import { JOB_CANCEL_TOPIC } from './article-event.js';
import { publishEvents } from './event-publish.js';
import { createArticleReader } from './article.repository.js';
import { createJobRepository, type Created, type Enqueued, type KeyedOutcome, type KeyedResult } from './job.repository.js';
import { createListingRepository, type JobFilter } from './listing.repository.js';
import type { OutboxCleaner } from './outbox.relay.js';
import type { SubmissionQuota } from './submission-quota.js';
import { validateIdempotencyKey, validateSubmissions, type Submission, type SubmissionInput } from './submission.validation.js';

export interface ArticleServiceDeps {
  db: Db;
  queue: WorkQueue;
  bus: EventBus;
  log: Logger;
  maxContentChars: number;
  maxAttempts: number;
  maxBatchItems: number;
  idempotencyTtlMs: number;
  outbox: OutboxCleaner;
  /** Per-key and per-tenant limits; absent, nothing is limited (engine tests and benchmarks). */
  quota?: SubmissionQuota;
  /** Counts what is submitted; absent, nothing is counted (engine tests and benchmarks). */
  metrics?: Pick<Metrics, 'submitted'>;
}

export interface Submitted {
  article: Article;
  job: Job;
}

export interface SubmittedBatch {
  batchId: string;
  articles: Article[];
}

/** The most articles one bulk retry queues. */
export const MAX_BULK_RETRY = 10_000;

const requestHash = (submissions: Submission[]) => createHash('sha256').update(JSON.stringify(submissions)).digest('hex');

const keyReused = (key: string) =>
  new InputValidationError([{ path: ['idempotencyKey'], message: `was used for a different request: ${key}` }]);

/**
 * After the commit: announce the QUEUED events and publish the jobs. A publish that fails leaves
 * its outbox row for the relay, so the article is accepted whatever the queue's state.
 */
async function publishEnqueued(
  deps: { queue: WorkQueue; bus: EventBus; log: Logger; outbox: OutboxCleaner },
  enqueued: Enqueued[],
): Promise<void> {
  publishEvents(
    deps.bus,
    enqueued.map((e) => e.event),
  );
  const published: number[] = [];
  await Promise.all(
    enqueued.map(async ({ job, outboxId }) => {
      try {
        await deps.queue.publish({ jobId: job.id, articleId: job.articleId, priority: job.priority });
        published.push(outboxId);
      } catch (err) {
        deps.log.warn({ err, jobId: job.id, articleId: job.articleId }, 'queue publish failed; the outbox relay will retry');
      }
    }),
  );
  if (published.length > 0) deps.outbox.published(published);
}

/** Write side of articles: submit, retry, cancel. */
export function createArticleService(deps: ArticleServiceDeps) {
  const { log } = deps;
  const jobs = createJobRepository(deps.db);
  const reader = createArticleReader(deps.db);
  const audit = createAuditLog(deps.db);
  const listing = createListingRepository(deps.db);

  // Queue publishes still running after their submit answered; `stop` waits for them.
  const publishing = new Set<Promise<void>>();

  /**
   * The commit is the acceptance: the job and its outbox row are durable, so the caller is answered
   * now and the queue publish finishes in the background (saving the submit a JetStream round trip).
   * A publish that fails or never happens leaves its outbox row, which the relay publishes after its
   * grace period.
   */
  function finishEnqueue(enqueued: Enqueued[], what: string): Submitted[] {
    const announce = () => {
      for (const { article, job } of enqueued) log.info({ articleId: article.id, jobId: job.id, priority: job.priority }, what);
      return publishEnqueued(deps, enqueued);
    };
    // Several articles are announced in the next turn, once the caller's response is written: a
    // batch's events, publishes and log lines need not delay it. One article's are too few to matter.
    const started = enqueued.length > 1 ? new Promise((resolve) => setImmediate(resolve)).then(announce) : announce();
    const publish = started.catch((err: unknown) => log.warn({ err }, 'queue publish failed'));
    publishing.add(publish);
    void publish.finally(() => publishing.delete(publish));
    return enqueued.map(({ article, job }) => ({ article, job }));
  }

  /**
   * Stores the articles, their jobs and outbox rows in one statement and resolves once it commits;
   * the jobs are published to the queue after that (see finishEnqueue). If the queue is unreachable
   * the articles are still accepted: the outbox relay publishes them later.
   * The articles belong to the viewer's tenant.
   * Throws InputValidationError or RateLimitedError (nothing written) when any field is invalid or a
   * limit is reached.
   */
  async function submit(inputs: SubmissionInput[], viewer: Viewer): Promise<Submitted[]> {
    const submissions = validateSubmissions(inputs, deps.maxContentChars);
    const admitted = deps.quota?.admit(viewer, submissions.length, true);
    if (admitted) await admitted;
    // Several articles of one request go in one statement: all or nothing.
    return finishSubmitted(await jobs.enqueue(submissions, viewer.tenantId, deps.maxAttempts), 'article submitted');
  }

  /**
   * `submit` of one article; with an idempotency key, a repeat within the TTL answers the first
   * article and job and queues and books nothing (a different request under the key is a
   * ValidationError).
   */
  async function submitOne(input: SubmissionInput, viewer: Viewer): Promise<Submitted> {
    if (input.idempotencyKey == null) return (await submit([input], viewer))[0]!;
    const [submission] = validateSubmissions([input], deps.maxContentChars);
    const outcome = await submitKeyed([submission!], viewer, input.idempotencyKey, false);
    if (outcome.kind === 'created') return outcome.created[0]!;
    const [article, job] = await Promise.all([
      reader.findArticlesByIds([outcome.first.articleId!], visibleTenant(viewer)),
      reader.findJobsByIds([outcome.first.jobId!], visibleTenant(viewer)),
    ]);
    if (!article[0] || !job[0]) throw new NotFoundError(`The article of idempotency key ${input.idempotencyKey} is gone`);
    return { article: article[0], job: job[0] };
  }

  /**
   * `submit` of a batch (1 to maxBatchItems articles, one statement, all or nothing): a bad item
   * fails the whole batch with field paths starting at its index. With an idempotency key a repeat
   * within the TTL answers the first batch.
   */
  async function submitBatch(inputs: SubmissionInput[], viewer: Viewer, idempotencyKey?: string | null): Promise<SubmittedBatch> {
    const key = validateIdempotencyKey(idempotencyKey);
    const submissions = validateSubmissions(inputs, deps.maxContentChars, { maxItems: deps.maxBatchItems });
    if (key !== undefined) {
      const outcome = await submitKeyed(submissions, viewer, key, true);
      const batchId = (outcome.kind === 'created' ? outcome.batchId : outcome.first.batchId)!;
      const articles =
        outcome.kind === 'created' ? outcome.created.map((s) => s.article) : await articlesOfBatch(batchId, viewer);
      return { batchId, articles };
    }
    const admitted = deps.quota?.admit(viewer, submissions.length, true);
    if (admitted) await admitted;
    const created = await jobs.enqueueBatch(submissions, viewer.tenantId, deps.maxAttempts);
    return { batchId: created.batchId!, articles: finishCreated(created, 'article submitted').map((s) => s.article) };
  }

  async function articlesOfBatch(batchId: string, viewer: Viewer): Promise<Article[]> {
    const page = await listing.articles({ batchId }, visibleTenant(viewer), { first: deps.maxBatchItems });
    return page.rows.reverse() as Article[];
  }

  type Keyed = { kind: 'created'; created: Submitted[]; batchId: string | null } | Extract<KeyedOutcome, { kind: 'repeat' }>;

  async function submitKeyed(submissions: Submission[], viewer: Viewer, key: string, batch: boolean): Promise<Keyed> {
    const hash = requestHash(submissions);
    const repeat = (first: KeyedResult): Keyed => {
      if (first.requestHash !== hash || (first.batchId !== null) !== batch) throw keyReused(key);
      log.info({ key, articleId: first.articleId, batchId: first.batchId }, 'idempotent repeat answered');
      return { kind: 'repeat', first };
    };
    // A repeat is answered before the quota is asked: it creates nothing. (The quota is not taken
    // inside the key's transaction, which would hold a connection while it reads.)
    const known = await jobs.findKeyed(viewer.tenantId, key);
    if (known) return repeat(known);
    const admitted = deps.quota?.admit(viewer, submissions.length, true);
    if (admitted) await admitted;
    const outcome = await jobs.enqueueOnce(submissions, viewer.tenantId, deps.maxAttempts, {
      key,
      requestHash: hash,
      ttlMs: deps.idempotencyTtlMs,
      batch,
    });
    if (outcome.kind === 'repeat') return repeat(outcome.first);
    return { kind: 'created', created: finishCreated(outcome.created, 'article submitted'), batchId: outcome.created.batchId };
  }

  function finishCreated(created: Created, what: string): Submitted[] {
    return finishSubmitted(created.enqueued, created.batchId ? `${what} (batch ${created.batchId})` : what);
  }

  /** finishEnqueue for new articles (not retries): they count as submitted. */
  function finishSubmitted(enqueued: Enqueued[], what: string): Submitted[] {
    for (const { job } of enqueued) deps.metrics?.submitted.inc({ priority: job.priority });
    return finishEnqueue(enqueued, what);
  }

  /**
   * Queues a new job for every article that is FAILED or CANCELLED now and has a job matching the
   * filter (dead letters), at most `limit` (and MAX_BULK_RETRY); each runs only its missing steps.
   * Returns how many were queued. Throws RateLimitedError when the tenant's limits do not allow them.
   */
  async function retryMatching(filter: JobFilter, viewer: Viewer, limit: number): Promise<number> {
    const ids = await listing.retryableArticleIds(filter, visibleTenant(viewer), Math.min(limit, MAX_BULK_RETRY));
    if (ids.length === 0) return 0;
    await deps.quota?.admit(viewer, ids.length, false);
    const retried = finishEnqueue(await jobs.retryMany(ids, deps.maxAttempts), 'article retried');
    await audit.record(viewer, 'articles.retry', 'dead letters', { filter, queued: retried.length });
    return retried.length;
  }

  /** Another tenant's article is indistinguishable from a missing one. */
  async function requireVisible(articleId: number, viewer: Viewer): Promise<void> {
    const [article] = await reader.findArticlesByIds([articleId], visibleTenant(viewer));
    if (!article) throw new NotFoundError(`Article ${articleId} not found`);
  }

  /**
   * Queues a new job for a FAILED or CANCELLED article; it runs only the steps not done yet.
   * Throws NotFoundError, InvalidStateError or RateLimitedError.
   */
  async function retry(articleId: number, viewer: Viewer): Promise<Submitted> {
    await requireVisible(articleId, viewer);
    await deps.quota?.admit(viewer, 1, false);
    const [submitted] = finishEnqueue([await jobs.retry(articleId, deps.maxAttempts)], 'article retried');
    await audit.record(viewer, 'article.retry', String(articleId), { jobId: submitted!.job.id });
    return submitted!;
  }

  /**
   * Cancels a PENDING or PROCESSING article: its job becomes CANCELLED (a worker running it aborts
   * its LLM calls when the CANCELLED event reaches it). Throws NotFoundError or InvalidStateError.
   */
  async function cancel(articleId: number, viewer: Viewer): Promise<Article> {
    await requireVisible(articleId, viewer);
    const cancelled = await jobs.cancel(articleId);
    publishEvents(deps.bus, [cancelled.event]);
    if (cancelled.jobId) deps.bus.publish(JOB_CANCEL_TOPIC, { jobId: cancelled.jobId });
    await audit.record(viewer, 'article.cancel', String(articleId), { jobId: cancelled.jobId });
    log.info({ articleId, jobId: cancelled.jobId }, 'article cancelled');
    return cancelled.article;
  }

  /** Waits for the queue publishes still in flight (shutdown: before the queue connection closes). */
  async function stop(): Promise<void> {
    await Promise.all(publishing);
  }

  return { submit, submitOne, submitBatch, retry, retryMatching, cancel, stop };
}

export type ArticleService = ReturnType<typeof createArticleService>;
