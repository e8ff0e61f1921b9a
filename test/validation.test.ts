import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { sampleArticle } from './support/articles.js';
import { gql } from './support/graphql-client.js';
import { SubmitArticle } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

describe.each(availableBackends())('submitArticle validation on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    // API only: nothing may be consumed, so the queue shows exactly what was published.
    sys = await startTestSystem(backend, { roles: { api: true, worker: false }, env: { MAX_CONTENT_CHARS: '200' } });
  });
  afterAll(() => sys.stop());

  async function counts(): Promise<Record<string, number>> {
    const db = sys.system.infra.db;
    const tables = ['articles', 'jobs', 'outbox', 'article_events'] as const;
    const rows = await Promise.all(
      tables.map((t) =>
        db
          .selectFrom(t)
          .select(sql<number>`count(*)::int`.as('n'))
          .executeTakeFirstOrThrow(),
      ),
    );
    const queued = (await sys.system.infra.queue.stats()).reduce((sum, s) => sum + s.pending + s.inFlight, 0);
    return { ...Object.fromEntries(tables.map((t, i) => [t, rows[i]!.n])), queued };
  }

  const cases: [string, Parameters<typeof sampleArticle>[0], string[], RegExp][] = [
    ['an empty title', { title: '   ' }, ['title'], /must not be empty/],
    ['a non-http(s) source URL', { sourceUrl: 'ftp://files.example.com/a' }, ['sourceUrl'], /http\(s\) URL/],
    ['a source URL that is not a URL', { sourceUrl: 'not a url' }, ['sourceUrl'], /http\(s\) URL/],
    ['content over the limit', { content: 'x'.repeat(201) }, ['content'], /at most 200 characters/],
    ['empty content', { content: '' }, ['content'], /must not be empty/],
    ['content with a NUL character', { content: 'Shares rise.\u0000' }, ['content'], /NUL/],
    ['a title with a NUL character', { title: 'Record\u0000quarter' }, ['title'], /NUL/],
    ['a title with a lone high surrogate', { title: 'Record \uD800 quarter' }, ['title'], /well-formed Unicode/],
    ['content ending in a lone low surrogate', { content: 'Shares rise \uDC00' }, ['content'], /well-formed Unicode/],
  ];

  it.each(cases)(
    'rejects %s with a ValidationError naming the field; nothing written or queued',
    async (_name, overrides, path, message) => {
      const before = await counts();
      const { submitArticle } = await gql(sys.url, SubmitArticle, { input: sampleArticle(overrides) });
      expect(submitArticle.__typename).toBe('ValidationError');
      if (submitArticle.__typename !== 'ValidationError') return;
      expect(submitArticle.fieldErrors).toEqual([{ path, message: expect.stringMatching(message) }]);
      expect(submitArticle.message).toMatch(message);
      expect(await counts()).toEqual(before);
    },
  );

  it('names every bad field at once', async () => {
    const { submitArticle } = await gql(sys.url, SubmitArticle, {
      input: sampleArticle({ title: '', sourceUrl: 'mailto:x@example.com', content: ' ' }),
    });
    if (submitArticle.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(submitArticle.fieldErrors.map((f) => f.path[0]).sort()).toEqual(['content', 'sourceUrl', 'title']);
  });

  it('accepts a valid article: one article, job, event and queued message; its outbox row is cleared once published', async () => {
    const before = await counts();
    const { submitArticle } = await gql(sys.url, SubmitArticle, { input: sampleArticle({ content: 'Short and fine.' }) });
    expect(submitArticle.__typename).toBe('SubmitArticlePayload');
    // Published rows are deleted in batches, off the submit's critical path.
    await expect.poll(async () => (await counts()).outbox, { timeout: 5_000 }).toBe(before.outbox);
    const after = await counts();
    const plusOne = (k: string) => before[k]! + 1;
    expect(after).toEqual({
      outbox: before.outbox,
      articles: plusOne('articles'),
      jobs: plusOne('jobs'),
      article_events: plusOne('article_events'),
      queued: plusOne('queued'),
    });
  });

  it('gives each of many concurrent submitters its own article, job, QUEUED event and queued message', async () => {
    const before = await counts();
    const titles = Array.from({ length: 24 }, (_, i) => `Concurrent ${i}`);
    // Submits arriving together share a statement; each must still get back exactly its own rows.
    const results = await Promise.all(titles.map((title) => gql(sys.url, SubmitArticle, { input: sampleArticle({ title }) })));
    const db = sys.system.infra.db;
    for (const [i, { submitArticle }] of results.entries()) {
      if (submitArticle.__typename !== 'SubmitArticlePayload') throw new Error(`rejected: ${submitArticle.__typename}`);
      const articleId = Number(submitArticle.article.id);
      const article = await db
        .selectFrom('articles')
        .select(['title', 'status', 'event_seq'])
        .where('id', '=', articleId)
        .executeTakeFirstOrThrow();
      expect(article).toEqual({ title: titles[i], status: 'PENDING', event_seq: 1 });
      const job = await db
        .selectFrom('jobs')
        .select(['article_id', 'state'])
        .where('id', '=', submitArticle.job.id)
        .executeTakeFirstOrThrow();
      expect(job).toEqual({ article_id: articleId, state: 'QUEUED' });
      const events = await db
        .selectFrom('article_events')
        .select(['seq', 'type', 'job_id', 'payload'])
        .where('article_id', '=', articleId)
        .execute();
      expect(events).toEqual([
        {
          seq: 1,
          type: 'QUEUED',
          job_id: submitArticle.job.id,
          payload: expect.objectContaining({
            articleId,
            article: expect.objectContaining({ title: titles[i] }),
            job: expect.objectContaining({ id: submitArticle.job.id }),
          }),
        },
      ]);
    }
    const n = titles.length;
    await expect.poll(async () => (await counts()).outbox, { timeout: 5_000 }).toBe(before.outbox);
    expect(await counts()).toEqual({
      ...before,
      articles: before.articles! + n,
      jobs: before.jobs! + n,
      article_events: before.article_events! + n,
      queued: before.queued! + n,
    });
  });

  it('accepts well-formed text beyond the BMP (surrogate pairs) and Korean', async () => {
    const { submitArticle } = await gql(sys.url, SubmitArticle, {
      input: sampleArticle({ title: '실적 발표 📈', content: '주가가 올랐다 🚀' }),
    });
    expect(submitArticle.__typename).toBe('SubmitArticlePayload');
  });
});
