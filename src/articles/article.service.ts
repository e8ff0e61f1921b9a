import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { ArticleRow, Database, JobRow } from '../db/tables.js';
import type { ArticleStatus } from '../lib/vocabulary.js';
import type { EventBus } from '../events/event-bus.js';
import { InvalidStateError, NotFoundError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { JOB_CANCEL_TOPIC } from './article-event.js';
import { changeArticle, publishEvents } from './event-log.js';
import { createGroupCommit } from '../lib/group-commit.js';
import { enqueueJob, insertArticles, publishEnqueued, type Enqueued, type NewArticle } from './job-enqueue.js';
import type { OutboxCleaner } from './outbox.relay.js';
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
  outbox: OutboxCleaner;
}

export interface Submitted {
  article: ArticleRow;
  job: JobRow;
}

/** Enough to carry a round trip's worth of submits at thousands per second. */
const SUBMIT_BATCH_MAX = 100;

/** Locks the article for the transaction; throws unless it exists and is in one of `states`. */
async function lockArticleIn(
  tx: Transaction<Database>,
  articleId: number,
  states: ArticleStatus[],
  verb: string,
): Promise<ArticleRow> {
  const article = await tx.selectFrom('articles').selectAll().where('id', '=', articleId).forUpdate().executeTakeFirst();
  if (!article) throw new NotFoundError(`Article ${articleId} not found`);
  if (!states.includes(article.status))
    throw new InvalidStateError(`Article ${articleId} is ${article.status}; only ${states.join(' or ')} articles can be ${verb}`);
  return article;
}

/** Write side of articles: submit, retry, cancel. */
export function createArticleService(deps: ArticleServiceDeps) {
  const { db, log } = deps;
  // Single submissions arriving together share a statement (see createGroupCommit); a failure
  // there is retried per article, so one submitter's article never fails another's.
  const insertOne = createGroupCommit({
    write: (articles: NewArticle[]) => insertArticles(db, articles, deps.maxAttempts),
    key: (article) => article,
    maxBatch: SUBMIT_BATCH_MAX,
  });

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
   * Throws InputValidationError (nothing written) when any field is invalid.
   */
  async function submit(inputs: SubmissionInput[], viewer: Viewer): Promise<Submitted[]> {
    const submissions = validateSubmissions(inputs, deps.maxContentChars);
    // Several articles of one request go in one statement: all or nothing.
    const enqueued =
      submissions.length === 1
        ? [await insertOne({ submission: submissions[0]!, ownerId: viewer.id })]
        : await insertArticles(
            db,
            submissions.map((submission) => ({ submission, ownerId: viewer.id })),
            deps.maxAttempts,
          );
    return finishEnqueue(enqueued, 'article submitted');
  }

  /**
   * Queues a new job for a FAILED or CANCELLED article; it runs only the steps not done yet.
   * Throws NotFoundError or InvalidStateError.
   */
  async function retry(articleId: number): Promise<Submitted> {
    const enqueued = await db.transaction().execute(async (tx) => {
      const article = await lockArticleIn(tx, articleId, ['FAILED', 'CANCELLED'], 'retried');
      return enqueueJob(tx, articleId, article.priority, deps.maxAttempts);
    });
    const [submitted] = finishEnqueue([enqueued], 'article retried');
    return submitted!;
  }

  /**
   * Cancels a PENDING or PROCESSING article: its job becomes CANCELLED (a worker running it aborts
   * its LLM calls when the CANCELLED event reaches it). Throws NotFoundError or InvalidStateError.
   */
  async function cancel(articleId: number): Promise<ArticleRow> {
    const changed = await db.transaction().execute(async (tx) => {
      await lockArticleIn(tx, articleId, ['PENDING', 'PROCESSING'], 'cancelled');
      return changeArticle(tx, {
        articleId,
        before: [
          sql`j as (
            update jobs set state = 'CANCELLED', finished_at = now(), error = 'cancelled by request', error_kind = 'cancelled'
            where article_id = ${articleId} and state in ('QUEUED', 'RUNNING', 'RETRYING')
            returning *)`,
        ],
        set: { status: 'CANCELLED' },
        event: { type: 'CANCELLED', job: 'j' },
      });
    });
    publishEvents(deps.bus, [changed?.event]);
    const jobId = changed?.event.decoded.jobId;
    if (jobId) deps.bus.publish(JOB_CANCEL_TOPIC, { jobId });
    log.info({ articleId, jobId }, 'article cancelled');
    return changed!.article;
  }

  /** Waits for the queue publishes still in flight (shutdown: before the queue connection closes). */
  async function stop(): Promise<void> {
    await Promise.all(publishing);
  }

  return { submit, retry, cancel, stop };
}

export type ArticleService = ReturnType<typeof createArticleService>;
