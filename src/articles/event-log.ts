import { sql, type Kysely, type RawBuilder, type Updateable } from 'kysely';
import type { ArticleRow, ArticlesTable, Database, JobRow } from '../db/tables.js';
import type { EventBus } from '../events/event-bus.js';
import type { ArticleEventType, StepName } from '../lib/vocabulary.js';
import { articleTopic, decodeArticleEvent, progressOf, withoutContent, type ArticleEvent } from './article-event.js';

/** What a change statement returns: the article's columns, the logged payload as JSON text, and any extra. */
export type ChangeRow = ArticleRow & { payload: string; extra?: unknown };

/**
 * A logged event as its statement returned it: the JSON text that is published as it is, and
 * decoded only where a caller reads it. Why: a worker publishes five logged events per article;
 * pg's parse and JSON.stringify again cost ~16 µs per event (half of it the five Dates'
 * toISOString).
 */
export class LoggedEvent {
  #decoded?: ArticleEvent;

  constructor(
    readonly articleId: number,
    /** The payload, as PostgreSQL rendered the jsonb (`payload::text`). */
    readonly json: string,
  ) {}

  /** The event as an object, parsed on first access. */
  get decoded(): ArticleEvent {
    if (!this.#decoded) {
      const event = decodeArticleEvent(JSON.parse(this.json));
      if (!event) throw new Error(`undecodable event payload for article ${this.articleId}`);
      this.#decoded = event;
    }
    return this.#decoded;
  }
}

/** A database or a transaction: every write below is one statement, atomic on its own. */
type Executor = Kysely<Database>;

/** The job an event carries: a row we hold, none, or the row a preceding CTE named `j` returned. */
export type EventJob = JobRow | null | 'j';

export interface ArticleChange {
  /** The article, or an SQL expression for it (e.g. `(select article_id from j)`). */
  articleId: number | RawBuilder<unknown>;
  /** Columns to set; version, event_seq and updated_at are bumped here. */
  set?: Updateable<ArticlesTable>;
  /** Apply only while this column is still null: the checkpoint guard against a second writer. */
  onlyIfNull?: 'summary' | 'keywords' | 'sentiment';
  /** CTEs (`name as (…)`) that run before the article update, such as the job update `j`. */
  before?: RawBuilder<unknown>[];
  /** Change the article only if this CTE returned a row (e.g. the job was still RUNNING). */
  requires?: string;
  /** CTEs that run after the update and may read `a`, the updated article (ledger, step rows). */
  after?: RawBuilder<unknown>[];
  event: { type: ArticleEventType; job: EventJob; step?: StepName; error?: string | null };
}

const jobJson = (job: EventJob) =>
  job === 'j' ? sql`(select to_jsonb(j) from j limit 1)` : job === null ? sql`null::jsonb` : sql`${JSON.stringify(job)}::jsonb`;
const jobId = (job: EventJob) => (job === 'j' ? sql`(select id from j limit 1)` : sql`${job?.id ?? null}::uuid`);

/** The parts of a logged event that vary, as SQL expressions (they may read other CTEs' rows). */
export interface EventPayloadParts {
  seq: RawBuilder<unknown>;
  type: RawBuilder<unknown>;
  jobId: RawBuilder<unknown>;
  step: RawBuilder<unknown>;
  error: RawBuilder<unknown>;
  job: RawBuilder<unknown>;
  /** Default: the share of `a`'s result columns that are set. */
  progress?: RawBuilder<unknown>;
}

/**
 * The logged event for the article row `a` in the same statement: what subscribers receive and what
 * `articleEvents(afterSeq)` replays. The article goes without its content.
 */
export function eventPayloadSql(p: EventPayloadParts): RawBuilder<unknown> {
  return sql`jsonb_build_object(
    'articleId', a.id, 'seq', ${p.seq}, 'type', ${p.type}, 'at', now(),
    'jobId', ${p.jobId}, 'step', ${p.step},
    'progress', ${p.progress ?? sql`((a.summary is not null)::int + (a.keywords is not null)::int + (a.sentiment is not null)::int) / 3.0`},
    'delta', null, 'error', ${p.error},
    'article', to_jsonb(a) - 'content', 'job', ${p.job})`;
}

const payloadOf = (event: ArticleChange['event'], seq: RawBuilder<unknown>) =>
  eventPayloadSql({
    seq,
    type: sql`${event.type}::text`,
    jobId: jobId(event.job),
    step: sql`${event.step ?? null}::text`,
    error: sql`${event.error ?? null}::text`,
    job: jobJson(event.job),
  });

/** The CTE `e` that logs the event for `a` with the article's event_seq; the final select reads `e.payload`. */
export function logEventCte(event: ArticleChange['event']): RawBuilder<unknown> {
  return sql`e as (
    insert into article_events (article_id, seq, type, job_id, payload)
    select a.id, a.event_seq, ${event.type}, ${jobId(event.job)}, ${payloadOf(event, sql`a.event_seq`)} from a
    returning payload)`;
}

/**
 * A CTE that logs a `type` event (no step, no error) for each article row in `a`, carrying its job
 * from the CTE `j` (joined on the article). For statements that change several articles at once.
 */
export function logJobEventsCte(
  name: string,
  type: ArticleEventType,
  seq: RawBuilder<unknown>,
  when: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  return sql`${sql.raw(name)} as (
    insert into article_events (article_id, seq, type, job_id, payload)
    select a.id, ${seq}, ${type}, j.id, ${eventPayloadSql({
      seq,
      type: sql`${type}::text`,
      jobId: sql`j.id`,
      step: sql`null::text`,
      error: sql`null::text`,
      job: sql`to_jsonb(j)`,
    })}
    from a join j on j.article_id = a.id
    where ${when}
    returning article_id, payload)`;
}

/**
 * Changes an article and logs the event in one statement (the event's seq comes from the article
 * row, so concurrent steps of one article get distinct, gap-free seqs), together with whatever the
 * `before`/`after` CTEs write. One round trip, atomic without a transaction.
 * Returns undefined when nothing changed: the guard found the column written, the required CTE
 * returned no row, or the article is gone.
 */
export async function changeArticle(
  db: Executor,
  change: ArticleChange,
  extraSelect?: RawBuilder<unknown>,
): Promise<{ article: ArticleRow; event: LoggedEvent; extra: unknown } | undefined> {
  const sets = [
    ...Object.entries(change.set ?? {}).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
    sql`version = version + 1`,
    sql`event_seq = event_seq + 1`,
    sql`updated_at = now()`,
  ];
  const id = typeof change.articleId === 'number' ? sql`${change.articleId}::bigint` : change.articleId;
  const guards = [sql`id = ${id}`];
  if (change.onlyIfNull) guards.push(sql`${sql.ref(change.onlyIfNull)} is null`);
  if (change.requires) guards.push(sql`exists (select 1 from ${sql.table(change.requires)})`);
  const ctes = [
    ...(change.before ?? []),
    sql`a as (update articles set ${sql.join(sets)} where ${sql.join(guards, sql` and `)} returning *)`,
    logEventCte(change.event),
    ...(change.after ?? []),
  ];
  const { rows } = await sql<ChangeRow>`
    with ${sql.join(ctes)}
    select a.*, e.payload::text as payload${extraSelect ? sql`, ${extraSelect} as extra` : sql``} from a, e`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return splitResult(row);
}

/** Separates the article columns from the event payload (and any extra) of a change statement. */
export function splitResult(row: ChangeRow): { article: ArticleRow; event: LoggedEvent; extra: unknown } {
  const { payload, extra, ...article } = row;
  return { article: article as ArticleRow, event: new LoggedEvent(article.id, payload), extra };
}

/** An event for the current state, not logged (SNAPSHOT, STEP_STARTED, SUMMARY_DELTA). */
export function makeEvent(
  article: ArticleRow | ArticleEvent['article'],
  type: ArticleEventType,
  seq: number,
  extra: { job: JobRow | null; step?: StepName; error?: string | null; delta?: string },
): ArticleEvent {
  return {
    articleId: article.id,
    seq,
    type,
    at: new Date(),
    jobId: extra.job?.id ?? null,
    step: extra.step ?? null,
    progress: progressOf(article),
    delta: extra.delta ?? null,
    error: extra.error ?? null,
    article: withoutContent(article),
    job: extra.job,
  };
}

/** Publishes events after their statement committed (never before: a rollback would leave a lie). */
export function publishEvents(bus: EventBus, events: (ArticleEvent | LoggedEvent | undefined)[]): void {
  for (const event of events) {
    if (event instanceof LoggedEvent) bus.publish(articleTopic(event.articleId), event.json);
    else if (event) bus.publish(articleTopic(event.articleId), event);
  }
}
