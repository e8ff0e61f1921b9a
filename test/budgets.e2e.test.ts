import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { EventQueue } from './support/event-queue.js';
import { gql, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import {
  ArticleDetails,
  ArticleFeed,
  BudgetAlerts,
  CancelArticle,
  BudgetQuery,
  SetBudget,
  SubmitArticles,
} from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// USD per million tokens: a sample article's three calls cost about $0.014 here.
const PRICES = JSON.stringify({
  'gpt-4o-mini': { input: 30, output: 30 },
  'claude-3-5-haiku-latest': { input: 30, output: 30 },
});
// The most any one call here may cost, as reserved (the summary: its prompt and 400 output tokens).
const MAX_CALL_ESTIMATE_USD = ((1_000 / 3 + 400) * 30) / 1_000_000;

const story = (i: number) =>
  sampleArticle({ title: `Budget story ${i}`, content: `Story ${i}. Profits rise; growth is strong.` });

/** Resolves once each of `articleIds` has COMPLETED or PAUSED (by the feed, subscribed before they were submitted). */
async function settledOrPaused(feed: Awaited<ReturnType<typeof subscribeFeed>>, articleIds: Set<string>) {
  const outcome = new Map<string, string>();
  await feed.events.until((e) => {
    const { type, article } = e.articleFeed;
    if (articleIds.has(article.id) && (type === 'COMPLETED' || type === 'PAUSED')) outcome.set(article.id, type);
    return outcome.size === articleIds.size;
  }, 60_000);
  return outcome;
}
const subscribeFeed = (url: string) => wsSubscribe(url, ArticleFeed, {});

describe.each(availableBackends())('monthly budgets on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    // Every call takes 300 ms: a batch's calls are all in flight at once.
    mock = await startMockLlmServer({ latencyMs: 300 });
    sys = await startTestSystem(backend, {
      env: { ...mockLlmEnv(mock), LLM_PRICES: PRICES, WORKER_CONCURRENCY: '500', BUDGET_RESUME_INTERVAL_MS: '3600000' },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('reserves before each call: 500 concurrent calls against a $1 budget never pass it, and the rest pause', async () => {
    const set = await gql(sys.url, SetBudget, { input: { limitUsd: 1 } });
    expect(set.setBudget).toMatchObject({ __typename: 'Budget', scope: '*', limitUsd: 1, spentUsd: 0, state: 'OK' });

    const feed = await subscribeFeed(sys.url);
    const { submitArticles } = await gql(sys.url, SubmitArticles, { input: Array.from({ length: 167 }, (_, i) => story(i)) });
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
    const outcome = await settledOrPaused(feed, new Set(submitArticles.articles.map((a) => a.id)));
    await feed.close();

    const paused = [...outcome.values()].filter((t) => t === 'PAUSED').length;
    expect(paused).toBeGreaterThan(0);
    // The calls that fitted ran at once (the others were turned away before any HTTP).
    expect(mock.stats().maxInFlight).toBeGreaterThan(20);
    const { budget } = await gql(sys.url, BudgetQuery, {});
    expect(budget.spentUsd).toBeGreaterThan(0);
    expect(budget.spentUsd).toBeLessThanOrEqual(1 + MAX_CALL_ESTIMATE_USD);
    expect(budget).toMatchObject({ scope: '*', limitUsd: 1, reservedUsd: 0, pausedJobs: paused });
    // Every booked call counted once: the ledger's sum is the budget's spend.
    const { rows } = await sql<{ usd: number }>`select coalesce(sum(cost_usd), 0)::float8 as usd from llm_calls`.execute(
      sys.system.infra.db,
    );
    expect(rows[0]!.usd).toBeCloseTo(budget.spentUsd, 8);

    const pausedId = [...outcome].find(([, type]) => type === 'PAUSED')![0];
    const { article } = await gql(sys.url, ArticleDetails, { id: pausedId });
    expect(article).toMatchObject({ status: 'PENDING', job: { state: 'PAUSED_BUDGET', errorKind: 'budget', attempt: 0 } });
    expect(article!.job!.error).toBe('paused: the monthly budget is spent');
  });

  it('resumes the paused jobs by themselves once the budget is raised', async () => {
    const before = (await gql(sys.url, BudgetQuery, {})).budget.pausedJobs;
    expect(before).toBeGreaterThan(0);
    const feed = await subscribeFeed(sys.url);
    const set = await gql(sys.url, SetBudget, { input: { limitUsd: 100 } });
    expect(set.setBudget).toMatchObject({ __typename: 'Budget', limitUsd: 100, pausedJobs: 0 });
    let completed = 0;
    await feed.events.until((e) => e.articleFeed.type === 'COMPLETED' && ++completed === before, 60_000);
    await feed.close();
    expect((await gql(sys.url, BudgetQuery, {})).budget).toMatchObject({ state: 'OK', pausedJobs: 0, reservedUsd: 0 });
  });

  it('rejects a negative limit and an empty tenant, naming the field, and changes nothing', async () => {
    const negative = await gql(sys.url, SetBudget, { input: { limitUsd: -1 } });
    expect(negative.setBudget).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ path: ['limitUsd'], message: 'must be 0 or more (USD per month), or null to remove the budget' }],
    });
    const empty = await gql(sys.url, SetBudget, { input: { tenant: ' ', limitUsd: 5 } });
    expect(empty.setBudget).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ path: ['tenant'] }] });
    expect((await gql(sys.url, BudgetQuery, {})).budget.limitUsd).toBe(100);
  });
});

describe.each(availableBackends())('budget alerts on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  let webhook: Server;
  let smtp: SMTPServer;
  const posts = new EventQueue<{ alert: { id: string; threshold: number } }>();
  const mails = new EventQueue<string>();
  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as { alert: { id: string; threshold: number } });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push(data);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        ...mockLlmEnv(mock),
        LLM_PRICES: PRICES,
        BUDGET_MONTHLY_USD: '0.04',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/budget`,
        SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
        ALERT_EMAIL_TO: 'ops@example.com',
        OUTBOX_RELAY_INTERVAL_MS: '100',
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('alerts once at 80 % and once at 100 %: by webhook, by email and on budgetAlerts; then pauses NORMAL and runs HIGH', async () => {
    const alerts = await wsSubscribe(sys.url, BudgetAlerts, {});
    let i = 0;
    let last: string;
    let pausedId = '';
    // One article after the other until one pauses (the global budget from BUDGET_MONTHLY_USD).
    do {
      const { articleId } = await submit(sys.url, story(++i));
      pausedId = articleId;
      last = (await awaitArticleEvent(sys.url, articleId, (e) => ['COMPLETED', 'FAILED', 'PAUSED'].includes(e.type))).at(
        -1,
      )!.type;
    } while (last === 'COMPLETED' && i < 20);
    const { budget } = await gql(sys.url, BudgetQuery, {});
    expect(budget).toMatchObject({ limitUsd: 0.04, state: 'EXHAUSTED', pausedJobs: 1 });

    const received = [(await alerts.events.next()).budgetAlerts, (await alerts.events.next()).budgetAlerts];
    await alerts.close();
    expect(received.map((a) => a.threshold)).toEqual([0.8, 1]);
    // A call turned away counts as 100 % (and so 80 %) whatever was spent: the budget is used up.
    expect(received[0]).toMatchObject({ scope: '*', limitUsd: 0.04 });
    expect(received[1]!.spentUsd).toBeGreaterThan(0);

    const hooks = [await posts.next(), await posts.next()].map((p) => p.alert.threshold).sort();
    expect(hooks).toEqual([0.8, 1]);
    const subjects = [await mails.next(), await mails.next()].map((m) => /^Subject: (.*)$/m.exec(m)![1]).sort();
    expect(subjects).toEqual([
      expect.stringMatching(/^Distill: 100 % of the monthly LLM budget spent/),
      expect.stringMatching(/^Distill: 80 % of the monthly LLM budget spent/),
    ]);
    // Delivered, and nothing left to deliver again: once per month and threshold.
    await expect
      .poll(
        async () =>
          (await sql<{ n: number }>`select count(*)::int as n from outbox where kind like 'alert%'`.execute(sys.system.infra.db))
            .rows[0]!.n,
        { timeout: 10_000 },
      )
      .toBe(0);
    expect(posts.received).toHaveLength(2);
    expect(mails.received).toHaveLength(2);

    // HIGH keeps running over a spent budget (BUDGET_PAUSE_PRIORITIES is NORMAL,LOW by default), booked.
    const high = await submit(sys.url, { ...story(100), priority: 'HIGH' });
    expect((await awaitSettled(sys.url, high.articleId)).at(-1)!.type).toBe('COMPLETED');
    const after = (await gql(sys.url, BudgetQuery, {})).budget;
    expect(after).toMatchObject({ state: 'EXHAUSTED', pausedJobs: 1 });
    expect(after.spentUsd).toBeGreaterThan(budget.spentUsd);

    // A paused job can be cancelled like a queued one.
    const { cancelArticle } = await gql(sys.url, CancelArticle, { id: pausedId });
    expect(cancelArticle).toMatchObject({ __typename: 'CancelArticlePayload', article: { status: 'CANCELLED' } });
    expect((await gql(sys.url, BudgetQuery, {})).budget.pausedJobs).toBe(0);
  });
});
