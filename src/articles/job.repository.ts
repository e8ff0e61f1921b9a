import type { Db } from '../db/database.js';
import type { ArticleRow } from '../db/tables.js';
import { createGroupCommit } from '../lib/group-commit.js';
import { InvalidStateError, NotFoundError } from '../lib/errors.js';
import { articleMapping, type Article, type Job } from './article.model.js';
import { createArticleReader } from './article.repository.js';
import { LoggedEvent } from './event-publish.js';
import { articleStatusesFor, InvalidTransitionError, isTerminal, type Transition } from './job-states.js';
import { cancelArticle } from './sql/cancel-article.sql.js';
import { claimKey, findKey, recordKey, type KeyedResult } from './sql/idempotency.sql.js';
import { insertArticles, type InsertedRow, type NewArticleRow, type NewBatch } from './sql/insert-articles.sql.js';
import { retryArticles } from './sql/retry-article.sql.js';
import { settleJob, type Settlement } from './sql/settle-job.sql.js';
import { startJobs } from './sql/start-jobs.sql.js';
import { storeStepResults, type StepResultRow } from './sql/store-step-results.sql.js';
import type { Submission } from './submission.validation.js';
import { newId } from '../lib/ids.js';

export type StepResult = StepResultRow;

/** An article after a transition, with the event it logged. */
export interface Changed {
  article: Article;
  event: LoggedEvent;
}

/** A job that was queued: the article, the job, its outbox row and the QUEUED event. */
export interface Enqueued extends Changed {
  job: Job;
  outboxId: number;
}

export type StartOutcome =
  | (Changed & { kind: 'started'; job: Job })
  /** Every attempt is used up (its worker was lost each time): the caller records `fail`. */
  | { kind: 'exhausted'; article: Article; job: Job };

/** What `enqueue` created: its articles and jobs, and the batch when it was one. */
export interface Created {
  batchId: string | null;
  enqueued: Enqueued[];
}

/** A client's idempotency key for an enqueue, with a hash of its request. */
export interface IdempotencyKey {
  key: string;
  requestHash: string;
  ttlMs: number;
}

export type { KeyedResult };

export type KeyedOutcome = { kind: 'created'; created: Created } | { kind: 'repeat'; first: KeyedResult };

export interface Stored extends Changed {
  /** The COMPLETED event when this result was the article's last and completed the job. */
  completed?: LoggedEvent;
}

/** Enough to carry a round trip's worth of writes at thousands per second. */
const BATCH_MAX = 100;

const changed = (row: ArticleRow & { payload: string }): Changed => ({
  article: articleMapping.fromRow(row),
  event: new LoggedEvent(row.id, row.payload),
});

function enqueued(row: InsertedRow | undefined): Enqueued {
  if (!row) throw new Error('enqueue statement returned no row for an article');
  const job = changed(row);
  return { ...job, job: job.event.decoded.job!, outboxId: row.outbox_id };
}

/**
 * The write side of articles and jobs: one function per transition of the state machine
 * (job-states.ts), each one SQL statement that changes the job, its steps and its article and logs
 * the event together. A transition the state does not allow throws InvalidTransitionError
 * (InvalidStateError / NotFoundError for the article-level cancel and retry). Writes that many jobs
 * make at once share statements (group commit); that and the SQL are private to this module.
 */
export function createJobRepository(db: Db, options: { workerId?: string } = {}) {
  const workerId = options.workerId ?? 'unknown';
  const reader = createArticleReader(db);
  const insertInOrder = (articles: NewArticleRow[], batch?: NewBatch, executor: Db = db) =>
    byKey(
      insertArticles(executor, articles, batch),
      articles,
      (r) => r.job_id,
      (a) => a.jobId,
    );
  const insertOne = createGroupCommit({
    write: insertInOrder,
    key: (article) => article,
    maxBatch: BATCH_MAX,
  });
  const newRows = (submissions: Submission[], tenantId: string, maxAttempts: number): NewArticleRow[] =>
    submissions.map((submission) => ({ submission, tenantId, maxAttempts, jobId: newId() }));
  const startOne = createGroupCommit({
    write: (jobIds: string[]) =>
      byKey(
        startJobs(db, workerId, jobIds),
        jobIds,
        (r) => r.started_job_id,
        (id) => id,
      ),
    key: (jobId) => jobId,
    maxBatch: BATCH_MAX,
  });
  const storeOne = createGroupCommit({
    write: (results: StepResult[]) =>
      byKey(
        storeStepResults(db, results),
        results,
        (r) => `${r.id}:${r.stored_step}`,
        (r) => `${r.articleId}:${r.step}`,
      ),
    // The steps of one article may share a statement; the same step twice (a redelivery racing
    // the live job) may not.
    key: (result) => `${result.articleId}:${result.step}`,
    maxBatch: BATCH_MAX,
    // Results need not wait for batches in flight: statements lock article rows in id order.
    maxInFlight: 4,
  });

  /** Why a job transition changed nothing: the job's current state, as a typed error. */
  async function invalid(transition: Transition, jobId: string): Promise<InvalidTransitionError> {
    const job = await findJob(jobId);
    return new InvalidTransitionError(transition, jobId, job?.state);
  }

  const findJob = async (jobId: string): Promise<Job | undefined> => (await reader.findJobsByIds([jobId], null))[0];
  const findArticle = async (articleId: number): Promise<Article | undefined> =>
    (await reader.findArticlesByIds([articleId], null))[0];

  /** Why an article-level transition changed nothing. */
  async function articleNotIn(transition: 'cancel' | 'retry', articleId: number, verb: string): Promise<Error> {
    const article = await findArticle(articleId);
    if (!article) return new NotFoundError(`Article ${articleId} not found`);
    const allowed = articleStatusesFor(transition);
    return new InvalidStateError(
      `Article ${articleId} is ${article.status}; only ${allowed.join(' or ')} articles can be ${verb}`,
    );
  }

  async function settle(s: Settlement): Promise<Changed> {
    const row = await settleJob(db, s);
    if (!row) throw await invalid(s.transition, s.jobId);
    return changed(row);
  }

  return {
    findJob,
    findArticle,

    /**
     * `enqueue`: new articles, each with a QUEUED job, an outbox row and a QUEUED event. A single
     * article shares a statement with others arriving at the same time; a list is one statement
     * of its own, all or nothing. Resolves in input order.
     */
    async enqueue(submissions: Submission[], tenantId: string, maxAttempts: number): Promise<Enqueued[]> {
      const articles = newRows(submissions, tenantId, maxAttempts);
      if (articles.length === 1) return [enqueued(await insertOne(articles[0]!))];
      return (await insertInOrder(articles)).map(enqueued);
    },

    /** `enqueue` of a batch: the batch row and its articles in one statement. */
    async enqueueBatch(submissions: Submission[], tenantId: string, maxAttempts: number): Promise<Created> {
      const batch = { id: newId(), tenantId };
      return {
        batchId: batch.id,
        enqueued: (await insertInOrder(newRows(submissions, tenantId, maxAttempts), batch)).map(enqueued),
      };
    },

    /** What a fresh idempotency key's first request created; undefined when the key is new or expired. */
    findKeyed: (tenantId: string, key: string) => findKey(db, tenantId, key),

    /**
     * `enqueue` (of one article, or of a batch) under a client's idempotency key, in one
     * transaction with the key: the first request creates; a repeat while the key is fresh creates
     * nothing and resolves what the first created (a racing repeat waits for the first to commit).
     */
    async enqueueOnce(
      submissions: Submission[],
      tenantId: string,
      maxAttempts: number,
      idempotency: IdempotencyKey & { batch: boolean },
    ): Promise<KeyedOutcome> {
      return db.transaction().execute(async (trx) => {
        const { key, requestHash, ttlMs } = idempotency;
        if (!(await claimKey(trx, { tenantId, key, requestHash, ttlMs }))) {
          const first = await findKey(trx, tenantId, key);
          if (!first) throw new Error(`idempotency key ${key} is neither new nor recorded`);
          return { kind: 'repeat' as const, first };
        }
        const batch = idempotency.batch ? { id: newId(), tenantId } : undefined;
        const rows = (await insertInOrder(newRows(submissions, tenantId, maxAttempts), batch, trx)).map(enqueued);
        const single = batch ? undefined : rows[0];
        await recordKey(trx, tenantId, key, {
          articleId: single?.article.id ?? null,
          jobId: single?.job.id ?? null,
          batchId: batch?.id ?? null,
        });
        return { kind: 'created' as const, created: { batchId: batch?.id ?? null, enqueued: rows } };
      });
    },

    /** `retry`: a new job for a FAILED or CANCELLED article. Throws NotFoundError or InvalidStateError. */
    async retry(articleId: number, maxAttempts: number): Promise<Enqueued> {
      const [row] = await retryArticles(db, [articleId], [newId()], maxAttempts);
      if (!row) throw await articleNotIn('retry', articleId, 'retried');
      return enqueued(row);
    },

    /** `retry` of many articles in one statement; those not FAILED or CANCELLED (any more) are skipped. */
    async retryMany(articleIds: readonly number[], maxAttempts: number): Promise<Enqueued[]> {
      if (articleIds.length === 0) return [];
      return (
        await retryArticles(
          db,
          articleIds,
          articleIds.map(() => newId()),
          maxAttempts,
        )
      ).map(enqueued);
    },

    /** `cancel` of the article's open job. Throws NotFoundError or InvalidStateError. */
    async cancel(articleId: number): Promise<Changed & { jobId: string | null }> {
      const row = await cancelArticle(db, articleId);
      if (!row) throw await articleNotIn('cancel', articleId, 'cancelled');
      return { ...changed(row), jobId: row.job_id };
    },

    /**
     * `start` of a delivered job (attempt + 1). Resolves `exhausted` when its attempts are used
     * up; throws InvalidTransitionError when it is finished, cancelled or gone.
     */
    async start(jobId: string): Promise<StartOutcome> {
      const row = await startOne(jobId);
      if (row) {
        const started = changed(row);
        return { kind: 'started', ...started, job: started.event.decoded.job! };
      }
      const job = await findJob(jobId);
      const article = job && !isTerminal(job.state) ? await findArticle(job.articleId) : undefined;
      if (!job || !article) throw new InvalidTransitionError('start', jobId, job?.state);
      return { kind: 'exhausted', article, job };
    },

    /**
     * `storeStepResult`: the result, its ledger row and the step DONE, unless the article has this
     * result already (then undefined: nothing booked). The article's last result also completes the job.
     */
    async storeStepResult(result: StepResult): Promise<Stored | undefined> {
      const row = await storeOne(result);
      if (!row) return undefined;
      const stored: Stored = changed(row);
      if (row.completed_payload) stored.completed = new LoggedEvent(row.id, row.completed_payload);
      return stored;
    },

    /** `complete`: job SUCCEEDED, article COMPLETED; only when every step has its result. */
    complete: (jobId: string) => settle({ transition: 'complete', jobId, error: null, errorKind: null }),
    /** `fail`: job and article FAILED with a readable error; open steps FAILED. */
    fail: (jobId: string, error: string, errorKind: string) => settle({ transition: 'fail', jobId, error, errorKind }),
    /** `retryLater`: job RETRYING (article PENDING) until the queue redelivers it; open steps PENDING. */
    retryLater: (jobId: string, error: string, errorKind: string, refundAttempt: boolean) =>
      settle({ transition: 'retryLater', jobId, error, errorKind, refundAttempt }),
    /** `pause`: job PAUSED_BUDGET (article PENDING), out of the queue until `resume`; the attempt given back. */
    pause: (jobId: string, error: string) =>
      settle({ transition: 'pause', jobId, error, errorKind: 'budget', refundAttempt: true }),
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;

/** A batch statement's rows in the order of its inputs (undefined where an input produced none). */
async function byKey<R, I, K>(rows: Promise<R[]>, inputs: I[], rowKey: (row: R) => K, inputKey: (input: I) => K) {
  const map = new Map((await rows).map((row) => [rowKey(row), row]));
  return inputs.map((input) => map.get(inputKey(input)));
}
