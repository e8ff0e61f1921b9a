import type { ArticleRow, JobRow } from '../db/tables.js';
import type { ArticleEventType, StepName } from '../lib/vocabulary.js';

/** An article as the API shows it; `content` may be absent when it came with an event. */
export type ArticleView = Omit<ArticleRow, 'content'> & { content?: string };

/**
 * One progress event, as published on the bus and stored in article_events. It carries the
 * article (without its content) and job as they were after the change, so a thousand subscribers
 * render it without a thousand queries.
 */
export interface ArticleEvent {
  articleId: number;
  seq: number;
  type: ArticleEventType;
  at: Date;
  jobId: string | null;
  step: StepName | null;
  progress: number;
  delta: string | null;
  error: string | null;
  article: ArticleView;
  job: JobRow | null;
}

const ARTICLE_DATES = ['created_at', 'updated_at', 'processed_at'] as const;
const JOB_DATES = ['queued_at', 'started_at', 'finished_at'] as const;

/** Fraction of the three steps whose result is stored. */
export function progressOf(article: Pick<ArticleRow, 'summary' | 'keywords' | 'sentiment'>): number {
  const done = Number(article.summary !== null) + Number(article.keywords !== null) + Number(article.sentiment !== null);
  return done / 3;
}

/** The article without its content (events must stay small whatever the article's size). */
export function withoutContent(article: ArticleView): ArticleView {
  const { content: _content, ...rest } = article;
  return rest;
}

/** Inverse of JSON.stringify for an ArticleEvent: restores the Date fields. */
export function decodeArticleEvent(value: unknown): ArticleEvent | undefined {
  const e = value as ArticleEvent & { at: string };
  if (!e || typeof e.articleId !== 'number' || typeof e.seq !== 'number' || !e.article) return undefined;
  const article = { ...e.article } as Record<string, unknown>;
  for (const key of ARTICLE_DATES) if (article[key]) article[key] = new Date(article[key] as string);
  let job: Record<string, unknown> | null = null;
  if (e.job) {
    job = { ...e.job };
    for (const key of JOB_DATES) if (job[key]) job[key] = new Date(job[key] as string);
  }
  return { ...e, at: new Date(e.at), article: article as ArticleView, job: job as JobRow | null };
}

export const articleTopic = (articleId: number) => `article.${articleId}`;
/** Every article's events (what an API instance relays to its subscribers). */
export const ARTICLE_TOPICS = 'article.>';
/** Cancellations for workers: `{ jobId }`, so a worker need not listen to progress events. */
export const JOB_CANCEL_TOPIC = 'job.cancel';
