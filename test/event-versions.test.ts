import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArticleEvent, EVENT_VERSION } from '../src/articles/article-event.js';
import { submit } from './support/articles.js';
import { wsSubscribe } from './support/graphql-client.js';
import { ArticleEvents } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

/** An event as version 1 stored it: the table rows themselves (snake_case), no `v`. */
function v1Payload(articleId: number, jobId: string) {
  return {
    articleId,
    seq: 2,
    type: 'STARTED',
    at: '2026-11-20T10:00:01.000Z',
    jobId,
    step: null,
    progress: 0,
    delta: null,
    error: null,
    article: {
      id: articleId,
      owner_id: null,
      title: 'Stored by version 1',
      source_url: 'https://example.com/v1',
      content_hash: 'abc',
      priority: 'NORMAL',
      status: 'PROCESSING',
      summary: null,
      keywords: null,
      sentiment: null,
      error: null,
      version: 2,
      event_seq: 2,
      batch_id: null,
      created_at: '2026-11-20T10:00:00.000000+00:00',
      updated_at: '2026-11-20T10:00:01.000000+00:00',
      processed_at: null,
    },
    job: {
      id: jobId,
      article_id: articleId,
      state: 'RUNNING',
      priority: 'NORMAL',
      attempt: 1,
      max_attempts: 5,
      queued_at: '2026-11-20T10:00:00.000000+00:00',
      started_at: '2026-11-20T10:00:01.000000+00:00',
      finished_at: null,
      error: null,
      error_kind: null,
      worker_id: 'old-worker',
    },
  };
}

describe('stored event versions', () => {
  it('decodes a version 1 payload into the domain types, dates restored', () => {
    const event = decodeArticleEvent(v1Payload(7, '00000000-0000-4000-8000-000000000007'))!;
    expect(event.article).toMatchObject({ id: 7, sourceUrl: 'https://example.com/v1', status: 'PROCESSING', eventSeq: 2 });
    expect(event.article.createdAt).toEqual(new Date('2026-11-20T10:00:00.000Z'));
    expect(event.article).not.toHaveProperty('source_url');
    expect(event.job).toMatchObject({ articleId: 7, state: 'RUNNING', maxAttempts: 5, workerId: 'old-worker' });
    expect(event.job!.startedAt).toEqual(new Date('2026-11-20T10:00:01.000Z'));
    expect(event.at).toEqual(new Date('2026-11-20T10:00:01.000Z'));
  });

  it('refuses what is not an event', () => {
    expect(decodeArticleEvent(null)).toBeUndefined();
    expect(decodeArticleEvent({ seq: 1 })).toBeUndefined();
  });
});

describe.each(availableBackends())('replay of stored events on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(backend, { roles: { api: true, worker: false } });
  });
  afterAll(() => sys.stop());

  it('replays a version 1 event between version 2 ones with afterSeq', async () => {
    const { articleId, jobId } = await submit(sys.url);
    const { db } = sys.system.infra;
    const stored = await db.selectFrom('article_events').select('payload').where('article_id', '=', Number(articleId)).execute();
    expect(stored.map((r) => (r.payload as { v?: number }).v)).toEqual([EVENT_VERSION]);
    await db
      .insertInto('article_events')
      .values({
        article_id: Number(articleId),
        seq: 2,
        type: 'STARTED',
        job_id: jobId,
        payload: JSON.stringify(v1Payload(Number(articleId), jobId)),
      })
      .execute();
    await db
      .updateTable('articles')
      .set({ event_seq: sql`2` })
      .where('id', '=', Number(articleId))
      .execute();

    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    try {
      const events = (await sub.events.until((e) => e.articleEvents.seq === 2, 10_000)).map((e) => e.articleEvents);
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'QUEUED'],
        [2, 'STARTED'],
      ]);
      expect(events[1]).toMatchObject({ article: { id: articleId, status: 'PROCESSING' }, job: { id: jobId, state: 'RUNNING' } });
    } finally {
      await sub.close();
    }
  });

  it('starts a replay with a SNAPSHOT when the events after afterSeq are past their retention', async () => {
    const { articleId, jobId } = await submit(sys.url);
    // What dropping the month that held them leaves: the article, without its logged events.
    await sys.system.infra.db.deleteFrom('article_events').where('article_id', '=', Number(articleId)).execute();

    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 });
    try {
      const [first] = await sub.events.until(() => true, 10_000);
      expect(first!.articleEvents).toMatchObject({ type: 'SNAPSHOT', seq: 1, article: { id: articleId }, job: { id: jobId } });
    } finally {
      await sub.close();
    }
  });
});
