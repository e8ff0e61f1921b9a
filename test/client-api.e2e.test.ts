import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import type { SubmitArticleInput } from './generated/graphql.js';
import { COMPLETED_RUN, sampleArticle, submit, isLogged } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { gql, gqlRequest, sseSubscribe, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import {
  ArticleDetails,
  ArticleFeed,
  BatchById,
  BatchProgress,
  ListArticles,
  ListJobs,
  RetryArticles,
  SubmitArticle,
  SubmitArticles,
} from './support/operations.js';
import { print } from 'graphql';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const items = (n: number, overrides: Partial<SubmitArticleInput> = {}) =>
  Array.from({ length: n }, (_, i) => sampleArticle({ title: `Batch item ${i}`, ...overrides }));

describe.each(availableBackends())('the client API on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        ...mockLlmEnv(mock),
        // Every step on one provider, so scripted faults reach every step.
        LLM_ROUTE_SENTIMENT: 'openai:gpt-4o-mini',
        JOB_MAX_ATTEMPTS: '2',
        JOB_BACKOFF_BASE_MS: '50',
        JOB_BACKOFF_MAX_MS: '200',
        MAX_BODY_BYTES: '5000000',
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });
  beforeEach(() => {
    mock.reset();
    mock.setLatency(0);
  });

  const count = async (filter: Record<string, unknown> = {}) =>
    (await gql(sys.url, ListArticles, { first: 0, filter })).articles.totalCount;

  describe('batch submit', () => {
    it('stores a batch in order, reports it by id and streams its progress until every article finished', async () => {
      const { submitArticles } = await gql(sys.url, SubmitArticles, { input: items(3) });
      if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
      expect(submitArticles.batch).toMatchObject({ total: 3, completed: 0, failed: 0, finished: false });
      expect(submitArticles.articles.map((a) => a.title)).toEqual(['Batch item 0', 'Batch item 1', 'Batch item 2']);
      const progress = await wsSubscribe(sys.url, BatchProgress, { id: submitArticles.batch.id });
      try {
        const updates = await progress.events.until((e) => e.batchProgress.finished, 20_000);
        expect(updates.at(-1)!.batchProgress).toMatchObject({ total: 3, completed: 3, failed: 0 });
        // Counts only grow towards the end, one article at a time at most.
        const done = updates.map((u) => u.batchProgress.completed);
        expect(done).toEqual([...done].sort((a, b) => a - b));
      } finally {
        await progress.close();
      }
      const { batch } = await gql(sys.url, BatchById, { id: submitArticles.batch.id });
      expect(batch).toMatchObject({ total: 3, completed: 3, pending: 0, processing: 0, finished: true });
      const members = await gql(sys.url, ListArticles, { first: 10, filter: { batchId: submitArticles.batch.id } });
      expect(members.articles.totalCount).toBe(3);
    });

    it('gives batches and jobs time-ordered ids (UUIDv7): a later job sorts after an earlier one', async () => {
      const { submitArticles } = await gql(sys.url, SubmitArticles, { input: items(5) });
      if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
      const { jobs } = await gql(sys.url, ListJobs, { first: 5 });
      const byArticle = new Map(jobs.edges.map((e) => [e.node.article.id, e.node.id]));
      const jobIds = submitArticles.articles.map((a) => byArticle.get(a.id)!);
      for (const id of [submitArticles.batch.id, ...jobIds]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(jobIds).toEqual([...jobIds].sort());
    });

    it('rejects a batch with one bad item with paths starting at its index, and writes nothing', async () => {
      const before = await count();
      const input = items(3);
      input[1] = { ...input[1]!, sourceUrl: 'not a url' };
      input[2] = { ...input[2]!, idempotencyKey: 'per-item' };
      const { submitArticles } = await gql(sys.url, SubmitArticles, { input });
      expect(submitArticles).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [
          { path: ['1', 'sourceUrl'], message: 'must be an http(s) URL' },
          { path: ['2', 'idempotencyKey'], message: expect.stringContaining('whole batch') },
        ],
      });
      expect(await count()).toBe(before);
    });

    it('takes 1,000 articles in one call and refuses 1,001 and none', async () => {
      const before = await count();
      const ok = await gql(sys.url, SubmitArticles, { input: items(1_000, { priority: 'LOW' }) });
      expect(ok.submitArticles).toMatchObject({ __typename: 'SubmitArticlesPayload', batch: { total: 1_000 } });
      expect(await count()).toBe(before + 1_000);
      for (const n of [1_001, 0]) {
        const refused = await gql(sys.url, SubmitArticles, { input: items(n) });
        expect(refused.submitArticles).toMatchObject({
          __typename: 'ValidationError',
          fieldErrors: [{ path: [], message: `a batch holds 1 to 1000 articles (got ${n})` }],
        });
      }
      expect(await count()).toBe(before + 1_000);
      // The batch runs to the end here, within this test's time, not inside the next test's.
      await awaitAllSettled();
    }, 180_000);
  });

  describe('idempotent submit', () => {
    it('answers a repeat with the first article and job, queues nothing and calls no model', async () => {
      await awaitAllSettled();
      const input = sampleArticle({ idempotencyKey: `key-${backend}-1` });
      const first = await submit(sys.url, input);
      await awaitSettled(sys.url, first.articleId);
      const calls = mock.stats().requests;
      const before = await count();
      // Repeats at once, some racing each other.
      const repeats = await Promise.all(Array.from({ length: 8 }, () => submit(sys.url, input)));
      for (const repeat of repeats) expect(repeat).toEqual(first);
      expect(await count()).toBe(before);
      const { article } = await gql(sys.url, ArticleDetails, { id: first.articleId });
      expect(article!.job!.id).toBe(first.jobId);
      expect(article!.llmCalls).toHaveLength(3);
      expect(mock.stats().requests).toBe(calls);
    });

    it('creates once when the first requests race each other', async () => {
      const before = await count();
      const input = sampleArticle({ idempotencyKey: `key-${backend}-race` });
      const answers = await Promise.all(Array.from({ length: 10 }, () => submit(sys.url, input)));
      expect(new Set(answers.map((a) => a.articleId)).size).toBe(1);
      expect(new Set(answers.map((a) => a.jobId)).size).toBe(1);
      expect(await count()).toBe(before + 1);
    });

    it('refuses a different request under a used key, naming the field', async () => {
      const key = `key-${backend}-2`;
      await submit(sys.url, sampleArticle({ idempotencyKey: key }));
      const before = await count();
      const { submitArticle } = await gql(sys.url, SubmitArticle, {
        input: sampleArticle({ idempotencyKey: key, title: 'Other' }),
      });
      expect(submitArticle).toMatchObject({
        __typename: 'ValidationError',
        fieldErrors: [{ path: ['idempotencyKey'], message: expect.stringContaining('different request') }],
      });
      const bad = await gql(sys.url, SubmitArticle, { input: sampleArticle({ idempotencyKey: 'has space' }) });
      expect(bad.submitArticle).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['idempotencyKey'] }] });
      expect(await count()).toBe(before);
    });

    it('starts afresh with a key whose first use has expired, and sweeps expired keys as keys are claimed', async () => {
      const { db } = sys.system.infra;
      const input = sampleArticle({ idempotencyKey: `key-${backend}-expiring` });
      const first = await submit(sys.url, input);
      await db
        .updateTable('idempotency_keys')
        .set({ expires_at: new Date(Date.now() - 1_000) })
        .where('key', '=', input.idempotencyKey!)
        .execute();
      await db
        .insertInto('idempotency_keys')
        .values({ tenant_id: 'other', key: 'stale', request_hash: 'x', expires_at: new Date(Date.now() - 60_000) })
        .execute();
      const second = await submit(sys.url, input);
      expect(second.articleId).not.toBe(first.articleId);
      expect(await submit(sys.url, input)).toEqual(second);
      const stale = await db.selectFrom('idempotency_keys').select('key').where('key', '=', 'stale').execute();
      expect(stale).toEqual([]);
    });

    it('answers a repeated batch with the first batch and its articles', async () => {
      const idempotencyKey = `batch-${backend}`;
      const first = await gql(sys.url, SubmitArticles, { input: items(4), idempotencyKey });
      const before = await count();
      const again = await gql(sys.url, SubmitArticles, { input: items(4), idempotencyKey });
      if (
        first.submitArticles.__typename !== 'SubmitArticlesPayload' ||
        again.submitArticles.__typename !== 'SubmitArticlesPayload'
      )
        throw new Error('batch rejected');
      expect(again.submitArticles.batch.id).toBe(first.submitArticles.batch.id);
      expect(again.submitArticles.articles.map((a) => a.id)).toEqual(first.submitArticles.articles.map((a) => a.id));
      expect(await count()).toBe(before);
    });
  });

  describe('listing', () => {
    it('pages 1,000 filtered articles forwards and backwards without gaps or repeats while new ones arrive', async () => {
      const title = `Paging ${backend}`;
      const { submitArticles } = await gql(sys.url, SubmitArticles, { input: items(1_000, { title, priority: 'HIGH' }) });
      if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error('batch rejected');
      const filter = { batchId: submitArticles.batch.id, priority: 'HIGH' as const };
      const expected = submitArticles.articles.map((a) => a.id).reverse(); // newest first

      const forwards: string[] = [];
      let after: string | null | undefined;
      for (let pages = 0; ; pages++) {
        const { articles } = await gql(sys.url, ListArticles, { first: 50, after, filter });
        expect(articles.totalCount).toBe(1_000);
        expect(articles.pageInfo.hasPreviousPage).toBe(after !== undefined);
        forwards.push(...articles.edges.map((e) => e.node.id));
        // New articles keep arriving between pages (another batch, same title and priority).
        await gql(sys.url, SubmitArticles, { input: items(2, { title, priority: 'HIGH' }) });
        if (!articles.pageInfo.hasNextPage) break;
        after = articles.pageInfo.endCursor;
        expect(pages).toBeLessThan(20);
      }
      expect(forwards).toEqual(expected);

      const backwards: string[] = [];
      let before: string | null | undefined;
      for (;;) {
        const { articles } = await gql(sys.url, ListArticles, { last: 50, before, filter });
        backwards.unshift(...articles.edges.map((e) => e.node.id));
        if (!articles.pageInfo.hasPreviousPage) break;
        before = articles.pageInfo.startCursor;
      }
      expect(backwards).toEqual(expected);
    });

    it('filters by status and creation time and finds a Korean word in the title or content', async () => {
      const korean = await submit(
        sys.url,
        sampleArticle({ title: '오늘의 경제 뉴스', content: '서울에서 열린 회의에서 반도체 수출이 크게 늘었다고 발표했습니다.' }),
      );
      const english = await submit(sys.url, sampleArticle({ title: 'Semiconductor exports', content: 'Exports grew in Seoul.' }));
      const search = async (text: string) =>
        (await gql(sys.url, ListArticles, { first: 10, filter: { search: text } })).articles.edges.map((e) => e.node.id);
      expect(await search('반도체')).toEqual([korean.articleId]);
      expect(await search('경제')).toEqual([korean.articleId]);
      expect(await search('SEMICONDUCTOR')).toEqual([english.articleId]);
      expect(await search('100%_match')).toEqual([]);

      await awaitSettled(sys.url, english.articleId);
      const since = new Date(Date.now() - 60_000).toISOString();
      const completed = await gql(sys.url, ListArticles, { first: 100, filter: { status: 'COMPLETED', createdAfter: since } });
      expect(completed.articles.edges.length).toBeGreaterThan(0);
      expect(completed.articles.edges.every((e) => e.node.status === 'COMPLETED')).toBe(true);
      const future = await gql(sys.url, ListArticles, { first: 10, filter: { createdAfter: '2100-01-01T00:00:00Z' } });
      expect(future.articles).toMatchObject({ edges: [], totalCount: 0, pageInfo: { hasNextPage: false } });
    });

    it('says which paging argument is wrong, as a GraphQL error with code BAD_USER_INPUT', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ first: 101 }, 'first'],
        [{ first: -1 }, 'first'],
        [{ first: 5, last: 5 }, 'last'],
        [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
        [{ last: 5, before: '!!' }, 'before'],
        [{ filter: { batchId: 'nope' } }, 'filter.batchId'],
      ];
      for (const [variables, argument] of cases) {
        const { status, body } = await gqlRequest(sys.url, { query: print(ListArticles), variables });
        expect(status).toBe(200);
        expect(body.errors?.[0]).toMatchObject({
          message: expect.stringMatching(new RegExp(`^${argument}: `)),
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
    });
  });

  describe('dead letters', () => {
    it('lists failed jobs grouped by error kind and retries them in bulk, running only the missing steps', async () => {
      await awaitAllSettled();
      mock.script([{ status: 400, times: 1_000 }]);
      const failed = await Promise.all(
        Array.from({ length: 4 }, (_, i) => submit(sys.url, sampleArticle({ title: `Dead ${i}` }))),
      );
      for (const { articleId } of failed) expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('FAILED');
      mock.reset();

      const listed = await gql(sys.url, ListJobs, { first: 50, filter: { state: 'FAILED', errorKind: 'bad_request' } });
      const failedIds = failed.map((f) => f.jobId);
      expect(listed.jobs.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining(failedIds));
      expect(listed.jobs.edges.every((e) => e.node.state === 'FAILED' && e.node.errorKind === 'bad_request')).toBe(true);
      expect(listed.failureGroups).toContainEqual({ errorKind: 'bad_request', count: expect.any(Number) });
      const group = listed.failureGroups.find((g) => g.errorKind === 'bad_request')!;
      expect(group.count).toBeGreaterThanOrEqual(4);

      // Steps already done before the failure are not paid for again.
      let missing = 0;
      for (const { articleId } of failed) {
        const { article } = await gql(sys.url, ArticleDetails, { id: articleId });
        missing += article!.job!.steps.filter((s) => s.state !== 'DONE').length;
      }
      const { retryArticles } = await gql(sys.url, RetryArticles, { filter: { state: 'FAILED', errorKind: 'bad_request' } });
      expect(retryArticles).toEqual({ __typename: 'RetryArticlesPayload', queued: group.count });
      for (const { articleId } of failed) await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED');
      await awaitAllSettled();
      expect(mock.stats().requests).toBe(missing + 3 * (group.count - 4));
      const again = await gql(sys.url, RetryArticles, { filter: { state: 'FAILED', errorKind: 'bad_request' } });
      expect(again.retryArticles).toEqual({ __typename: 'RetryArticlesPayload', queued: 0 });
      expect((await gql(sys.url, ListJobs, { first: 1, filter: { state: 'FAILED' } })).failureGroups).toEqual([]);
    });
  });

  describe('the live feed', () => {
    it('sends every change of the articles matching its filter, and nothing else', async () => {
      await awaitAllSettled();
      const feed = await wsSubscribe(sys.url, ArticleFeed, { filter: { priority: 'HIGH' } });
      const twin = await wsSubscribe(sys.url, ArticleFeed, { filter: { priority: 'HIGH' } });
      const other = await wsSubscribe(sys.url, ArticleFeed, { filter: { priority: 'LOW' } });
      // Over SSE the same subscription shares the execution too (its frames go through Yoga's stream).
      const overSse = await sseSubscribe(sys.url, ArticleFeed, { filter: { priority: 'HIGH' } });
      try {
        // The same operation and variables share one execution (one hub listener); another filter has its own.
        await vi.waitFor(() => expect(sys.system.hub!.listenerCount).toBe(2), { timeout: 5_000 });
        const low = await submit(sys.url, sampleArticle({ priority: 'LOW' }));
        const high = await submit(sys.url, sampleArticle({ priority: 'HIGH' }));
        for (const sub of [feed, twin, overSse]) {
          const events = await sub.events.until((e) => e.articleFeed.type === 'COMPLETED');
          expect(events.every((e) => e.articleFeed.article.id === high.articleId)).toBe(true);
          expect(events.map((e) => e.articleFeed.type).filter(isLogged)).toEqual(COMPLETED_RUN);
        }
        await awaitSettled(sys.url, low.articleId);
        expect(feed.events.received.some((e) => e.articleFeed.article.id === low.articleId)).toBe(false);
        const lows = await other.events.until((e) => e.articleFeed.type === 'COMPLETED');
        expect(lows.every((e) => e.articleFeed.article.id === low.articleId)).toBe(true);
        // One subscriber leaving does not end the shared execution for the other.
        await feed.close();
        const again = await submit(sys.url, sampleArticle({ priority: 'HIGH' }));
        const more = await twin.events.until(
          (e) => e.articleFeed.type === 'COMPLETED' && e.articleFeed.article.id === again.articleId,
        );
        expect(more.length).toBeGreaterThan(0);
      } finally {
        await feed.close();
        await twin.close();
        await other.close();
        await overSse.close();
      }
      await vi.waitFor(() => expect(sys.system.hub!.listenerCount).toBe(0), { timeout: 5_000 });
    });
  });

  /** Waits until no article is PENDING or PROCESSING, so request counts belong to one test. */
  async function awaitAllSettled(): Promise<void> {
    for (const status of ['PENDING', 'PROCESSING'] as const) {
      const open = await gql(sys.url, ListArticles, { first: 100, filter: { status } });
      for (const edge of open.articles.edges) await awaitSettled(sys.url, edge.node.id, 60_000);
    }
    if ((await count({ status: 'PENDING' })) + (await count({ status: 'PROCESSING' })) > 0) await awaitAllSettled();
  }
});
