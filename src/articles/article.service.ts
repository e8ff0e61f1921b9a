import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { ArticleRow, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { JobMessage, WorkQueue } from '../queue/work-queue.js';
import type { ArticleEvent } from './article-event.js';
import { changeArticle, publishEvents } from './event-log.js';
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

/** Write side of articles: submit (and later retry, cancel). */
export function createArticleService(deps: ArticleServiceDeps) {
  const { db, queue, bus, log } = deps;

  /**
   * Stores the article, its job and an outbox row in one transaction, then publishes the job.
   * If the queue is unreachable the article is still accepted: the outbox relay publishes it later.
   * Throws InputValidationError (nothing written) when any field is invalid.
   */
  async function submit(inputs: SubmissionInput[], viewer: Viewer): Promise<Submitted[]> {
    const submissions = validateSubmissions(inputs, deps.maxContentChars);
    const created = await db.transaction().execute(async (tx) => {
      const out: { article: ArticleRow; job: JobRow; outboxId: number; event: ArticleEvent | undefined }[] = [];
      for (const s of submissions) {
        const inserted = await tx
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
        const job = await tx
          .insertInto('jobs')
          .values({
            id: randomUUID(),
            article_id: inserted.id,
            state: 'QUEUED',
            priority: s.priority,
            max_attempts: deps.maxAttempts,
            started_at: null,
            finished_at: null,
            error: null,
            error_kind: null,
            worker_id: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const message: JobMessage = { jobId: job.id, articleId: inserted.id, priority: s.priority };
        const outbox = await tx
          .insertInto('outbox')
          .values({ kind: 'job', payload: JSON.stringify(message) })
          .returning('id')
          .executeTakeFirstOrThrow();
        const changed = await changeArticle(tx, { articleId: inserted.id, event: { type: 'QUEUED', job } });
        if (!changed) throw new Error(`article ${inserted.id} vanished inside its own transaction`);
        out.push({ article: changed.article, job, outboxId: outbox.id, event: changed.event });
      }
      return out;
    });

    publishEvents(
      bus,
      created.map((c) => c.event),
    );
    await Promise.all(
      created.map(async ({ job, outboxId }) => {
        try {
          await queue.publish({ jobId: job.id, articleId: job.article_id, priority: job.priority });
          await db.deleteFrom('outbox').where('id', '=', outboxId).execute();
        } catch (err) {
          log.warn({ err, jobId: job.id, articleId: job.article_id }, 'queue publish failed; the outbox relay will retry');
        }
      }),
    );
    for (const { article, job } of created)
      log.info({ articleId: article.id, jobId: job.id, priority: job.priority }, 'article submitted');
    return created.map(({ article, job }) => ({ article, job }));
  }

  return { submit };
}

export type ArticleService = ReturnType<typeof createArticleService>;
