import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { ArticleRow, Database, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { Priority } from '../lib/vocabulary.js';
import type { JobMessage, WorkQueue } from '../queue/work-queue.js';
import type { ArticleEvent } from './article-event.js';
import { changeArticle, publishEvents } from './event-log.js';

export interface Enqueued {
  article: ArticleRow;
  job: JobRow;
  outboxId: number;
  event: ArticleEvent;
}

/**
 * Inside the caller's transaction: a new QUEUED job for the article, its outbox row, and the
 * article back to PENDING with a QUEUED event. Publish with `publishEnqueued` after the commit.
 */
export async function enqueueJob(
  tx: Transaction<Database>,
  articleId: number,
  priority: Priority,
  maxAttempts: number,
): Promise<Enqueued> {
  const job = await tx
    .insertInto('jobs')
    .values({
      id: randomUUID(),
      article_id: articleId,
      state: 'QUEUED',
      priority,
      max_attempts: maxAttempts,
      started_at: null,
      finished_at: null,
      error: null,
      error_kind: null,
      worker_id: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const message: JobMessage = { jobId: job.id, articleId, priority };
  const outbox = await tx
    .insertInto('outbox')
    .values({ kind: 'job', payload: JSON.stringify(message) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const changed = await changeArticle(tx, {
    articleId,
    set: { status: 'PENDING', error: null, processed_at: null },
    event: { type: 'QUEUED', job },
  });
  if (!changed) throw new Error(`article ${articleId} vanished inside its own transaction`);
  return { article: changed.article, job, outboxId: outbox.id, event: changed.event };
}

/**
 * After the commit: announce the QUEUED events and publish the jobs. A publish that fails leaves
 * its outbox row for the relay, so the article is accepted whatever the queue's state.
 */
export async function publishEnqueued(
  deps: { db: Db; queue: WorkQueue; bus: EventBus; log: Logger },
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
        await deps.queue.publish({ jobId: job.id, articleId: job.article_id, priority: job.priority });
        published.push(outboxId);
      } catch (err) {
        deps.log.warn({ err, jobId: job.id, articleId: job.article_id }, 'queue publish failed; the outbox relay will retry');
      }
    }),
  );
  if (published.length > 0) await deps.db.deleteFrom('outbox').where('id', 'in', published).execute();
}
