import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ArticleRow, Database, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { Priority } from '../lib/vocabulary.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { changeArticle, logJobEventsCte, publishEvents, splitResult, type ChangeRow, type LoggedEvent } from './event-log.js';
import type { OutboxCleaner } from './outbox.relay.js';
import type { Submission } from './submission.validation.js';

export interface Enqueued {
  article: ArticleRow;
  job: JobRow;
  outboxId: number;
  event: LoggedEvent;
}

// The queued job `j` and its outbox row `o` (the message the relay publishes if submit cannot).
const jobCtes = (jobId: string, articleId: ReturnType<typeof sql>, priority: Priority, maxAttempts: number) => [
  sql`j as (
    insert into jobs (id, article_id, state, priority, max_attempts)
    select ${jobId}::uuid, ${articleId}, 'QUEUED', ${priority}, ${maxAttempts}
    returning *)`,
  sql`o as (
    insert into outbox (kind, payload)
    select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority) from j
    returning id)`,
];

function toEnqueued(result: { article: ArticleRow; event: LoggedEvent; extra: unknown }): Enqueued {
  const job = result.event.decoded.job;
  if (!job) throw new Error('enqueue statement returned no job');
  return { article: result.article, job, outboxId: Number(result.extra), event: result.event };
}

/** One article to insert, with whoever submitted it. */
export interface NewArticle {
  submission: Submission;
  ownerId: string | null;
}

/**
 * Inserts new articles, each with its QUEUED job, outbox row and QUEUED event: one statement for
 * all of them, so a batch is all or nothing. Resolves in input order.
 */
export async function insertArticles(db: Kysely<Database>, articles: NewArticle[], maxAttempts: number): Promise<Enqueued[]> {
  const input = articles.map(({ submission: s, ownerId }) => ({
    job_id: randomUUID(),
    owner_id: ownerId,
    title: s.title,
    content: s.content,
    source_url: s.sourceUrl,
    content_hash: createHash('sha256').update(s.content).digest('hex'),
    priority: s.priority,
  }));
  // Article ids are drawn first so each job, outbox row and event can name its article.
  const { rows } = await sql<ChangeRow & { job_id: string }>`
    with n as materialized (
      select r.*, nextval(pg_get_serial_sequence('articles', 'id')) as article_id
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        job_id uuid, owner_id text, title text, content text, source_url text, content_hash text, priority text)),
    a as (
      insert into articles (id, owner_id, title, content, source_url, content_hash, priority, status, event_seq)
      overriding system value
      select article_id, owner_id, title, content, source_url, content_hash, priority, 'PENDING', 1 from n
      returning *),
    j as (
      insert into jobs (id, article_id, state, priority, max_attempts)
      select job_id, article_id, 'QUEUED', priority, ${maxAttempts} from n
      returning *),
    o as (
      insert into outbox (kind, payload)
      select 'job', jsonb_build_object('jobId', j.id, 'articleId', j.article_id, 'priority', j.priority) from j
      returning id, (payload->>'articleId')::bigint as article_id),
    ${logJobEventsCte('e', 'QUEUED', sql`1`)}
    select a.*, e.payload::text as payload, o.id as extra, j.id as job_id
    from a join e on e.article_id = a.id join j on j.article_id = a.id join o on o.article_id = a.id`.execute(db);
  const byJob = new Map(rows.map(({ job_id, ...row }) => [job_id, toEnqueued(splitResult(row))]));
  return input.map((r) => {
    const enqueued = byJob.get(r.job_id);
    if (!enqueued) throw new Error('enqueue statement returned no row for an article');
    return enqueued;
  });
}

/**
 * A new QUEUED job for an existing article, its outbox row, and the article back to PENDING with a
 * QUEUED event: one statement. Publish with `publishEnqueued` after it (and any transaction) commits.
 */
export async function enqueueJob(
  db: Kysely<Database>,
  articleId: number,
  priority: Priority,
  maxAttempts: number,
): Promise<Enqueued> {
  const changed = await changeArticle(
    db,
    {
      articleId,
      before: jobCtes(randomUUID(), sql`${articleId}::bigint`, priority, maxAttempts),
      requires: 'j',
      set: { status: 'PENDING', error: null, processed_at: null },
      event: { type: 'QUEUED', job: 'j' },
    },
    sql`(select id from o)`,
  );
  if (!changed) throw new Error(`article ${articleId} vanished while its job was queued`);
  return toEnqueued(changed);
}

/**
 * After the commit: announce the QUEUED events and publish the jobs. A publish that fails leaves
 * its outbox row for the relay, so the article is accepted whatever the queue's state.
 */
export async function publishEnqueued(
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
        await deps.queue.publish({ jobId: job.id, articleId: job.article_id, priority: job.priority });
        published.push(outboxId);
      } catch (err) {
        deps.log.warn({ err, jobId: job.id, articleId: job.article_id }, 'queue publish failed; the outbox relay will retry');
      }
    }),
  );
  if (published.length > 0) deps.outbox.published(published);
}
