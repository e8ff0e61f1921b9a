import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { ArticleRow, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import { InvalidStateError, NotFoundError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { changeArticle, publishEvents } from './event-log.js';
import { enqueueJob, publishEnqueued, type Enqueued } from './job-enqueue.js';
import { validateSubmissions, type SubmissionInput } from './submission.validation.js';

/** Who is asking. Access control comes later; resolvers already pass it so their shape won't change. */
export interface Viewer {
  id: string | null;
}

export interface ArticleServiceDeps {
  db: Db;
  queue: WorkQueue;
  bus: EventBus;
  log: Logger;
  maxContentChars: number;
  maxAttempts: number;
}

export interface Submitted {
  article: ArticleRow;
  job: JobRow;
}

/** Write side of articles: submit, retry, cancel. */
export function createArticleService(deps: ArticleServiceDeps) {
  const { db, log } = deps;

  async function finishEnqueue(enqueued: Enqueued[], what: string): Promise<Submitted[]> {
    await publishEnqueued(deps, enqueued);
    for (const { article, job } of enqueued) log.info({ articleId: article.id, jobId: job.id, priority: job.priority }, what);
    return enqueued.map(({ article, job }) => ({ article, job }));
  }

  /**
   * Stores the articles, their jobs and outbox rows in one transaction, then publishes the jobs.
   * If the queue is unreachable the articles are still accepted: the outbox relay publishes them later.
   * Throws InputValidationError (nothing written) when any field is invalid.
   */
  async function submit(inputs: SubmissionInput[], viewer: Viewer): Promise<Submitted[]> {
    const submissions = validateSubmissions(inputs, deps.maxContentChars);
    const enqueued = await db.transaction().execute(async (tx) => {
      const out: Enqueued[] = [];
      for (const s of submissions) {
        const { id } = await tx
          .insertInto('articles')
          .values({
            owner_id: viewer.id,
            title: s.title,
            content: s.content,
            source_url: s.sourceUrl,
            content_hash: createHash('sha256').update(s.content).digest('hex'),
            priority: s.priority,
            status: 'PENDING',
            summary: null,
            keywords: null,
            sentiment: null,
            error: null,
            batch_id: null,
            processed_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        out.push(await enqueueJob(tx, id, s.priority, deps.maxAttempts));
      }
      return out;
    });
    return finishEnqueue(enqueued, 'article submitted');
  }

  /**
   * Queues a new job for a FAILED or CANCELLED article; it runs only the steps not done yet.
   * Throws NotFoundError or InvalidStateError.
   */
  async function retry(articleId: number): Promise<Submitted> {
    const enqueued = await db.transaction().execute(async (tx) => {
      const article = await tx.selectFrom('articles').selectAll().where('id', '=', articleId).forUpdate().executeTakeFirst();
      if (!article) throw new NotFoundError(`Article ${articleId} not found`);
      if (article.status !== 'FAILED' && article.status !== 'CANCELLED')
        throw new InvalidStateError(
          `Article ${articleId} is ${article.status}; only FAILED or CANCELLED articles can be retried`,
        );
      return enqueueJob(tx, articleId, article.priority, deps.maxAttempts);
    });
    const [submitted] = await finishEnqueue([enqueued], 'article retried');
    return submitted!;
  }

  /**
   * Cancels a PENDING or PROCESSING article: its job becomes CANCELLED (a worker running it aborts
   * its LLM calls when the CANCELLED event reaches it). Throws NotFoundError or InvalidStateError.
   */
  async function cancel(articleId: number): Promise<ArticleRow> {
    const changed = await db.transaction().execute(async (tx) => {
      const article = await tx.selectFrom('articles').selectAll().where('id', '=', articleId).forUpdate().executeTakeFirst();
      if (!article) throw new NotFoundError(`Article ${articleId} not found`);
      if (article.status !== 'PENDING' && article.status !== 'PROCESSING')
        throw new InvalidStateError(
          `Article ${articleId} is ${article.status}; only PENDING or PROCESSING articles can be cancelled`,
        );
      const job = await tx
        .updateTable('jobs')
        .set({ state: 'CANCELLED', finished_at: new Date(), error: 'cancelled by request', error_kind: 'cancelled' })
        .where('article_id', '=', articleId)
        .where('state', 'in', ['QUEUED', 'RUNNING', 'RETRYING'])
        .returningAll()
        .executeTakeFirst();
      return changeArticle(tx, { articleId, set: { status: 'CANCELLED' }, event: { type: 'CANCELLED', job: job ?? null } });
    });
    publishEvents(deps.bus, [changed?.event]);
    log.info({ articleId, jobId: changed?.event.jobId }, 'article cancelled');
    return changed!.article;
  }

  return { submit, retry, cancel };
}

export type ArticleService = ReturnType<typeof createArticleService>;
