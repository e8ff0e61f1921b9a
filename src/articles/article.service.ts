import { createAuditLog } from '../access/audit.repository.js';
import { visibleTenant, type Viewer } from '../access/viewer.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { Article, Job } from './article.model.js';
import { NotFoundError } from '../lib/errors.js';
import { JOB_CANCEL_TOPIC } from './article-event.js';
import { publishEvents } from './event-publish.js';
import { createArticleReader } from './article.repository.js';
import { createJobRepository, type Enqueued } from './job.repository.js';
import type { OutboxCleaner } from './outbox.relay.js';
import type { SubmissionQuota } from './submission-quota.js';
import { validateSubmissions, type SubmissionInput } from './submission.validation.js';

export interface ArticleServiceDeps {
  db: Db;
  queue: WorkQueue;
  bus: EventBus;
  log: Logger;
  maxContentChars: number;
  maxAttempts: number;
  outbox: OutboxCleaner;
  /** Per-key and per-tenant limits; absent, nothing is limited (engine tests and benchmarks). */
  quota?: SubmissionQuota;
}

export interface Submitted {
  article: Article;
  job: Job;
}

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

  // Queue publishes still running after their submit answered; `stop` waits for them.
  const publishing = new Set<Promise<void>>();

  /**
   * The commit is the acceptance: the job and its outbox row are durable, so the caller is answered
   * now and the queue publish finishes in the background (saving the submit a JetStream round trip).
   * A publish that fails or never happens leaves its outbox row, which the relay publishes after its
   * grace period.
   */
  function finishEnqueue(enqueued: Enqueued[], what: string): Submitted[] {
    const publish = publishEnqueued(deps, enqueued).catch((err: unknown) => log.warn({ err }, 'queue publish failed'));
    publishing.add(publish);
    void publish.finally(() => publishing.delete(publish));
    for (const { article, job } of enqueued) log.info({ articleId: article.id, jobId: job.id, priority: job.priority }, what);
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
    return finishEnqueue(await jobs.enqueue(submissions, viewer.tenantId, deps.maxAttempts), 'article submitted');
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

  return { submit, retry, cancel, stop };
}

export type ArticleService = ReturnType<typeof createArticleService>;
