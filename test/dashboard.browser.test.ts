import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyRepository } from '../src/access/api-key.repository.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { LONG_CONTENT, sampleArticle, submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { hasChromium, launchChromium, offlinePage, type OfflinePage } from './support/browser.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, ListArticles, SubmitArticles } from './support/operations.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const VIEWS = ['', 'articles', 'failures', 'workers', 'submit', 'costs'];

/**
 * The dashboard in Debian's Chromium with every non-local request refused, against an API and a
 * worker on real PostgreSQL and NATS and the mock LLM. The browser reaches the API through a TCP
 * proxy, so a test can cut its connection.
 */
describe.runIf(hasChromium() && hasRealServices())('the dashboard in a real browser, offline', () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let api: TestSystem;
  let worker: TestSystem;
  let proxy: TcpProxy;
  let browser: Browser;
  let base: string;
  const children: DistillProcess[] = [];
  const pages: OfflinePage[] = [];

  beforeAll(async () => {
    mock = await startMockLlmServer();
    environment = await createTestEnvironment('real', { ...mockLlmEnv(mock), JOB_BACKOFF_BASE_MS: '200' });
    api = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
    worker = await startTestSystem('real', { roles: { api: false, worker: true }, environment, env: { WORKER_ID: 'steady' } });
    proxy = await startTcpProxy(Number(new URL(api.url).port));
    base = `http://127.0.0.1:${proxy.port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await killAll(children);
    await proxy?.close();
    await worker?.stop();
    await api?.stop();
    await environment?.cleanup();
    await mock?.stop();
  });

  async function open(view: string): Promise<OfflinePage> {
    const opened = await offlinePage(browser, new URL(base).host);
    pages.push(opened);
    await opened.page.goto(`${base}/dashboard/#/${view}`);
    return opened;
  }

  it('submits an article in the form and shows it reach COMPLETED, its summary appearing as it is written', async () => {
    // The first summary call is refused (429): the job retries in ~1 s, by when the page watches the
    // article, so the retry streams (workers stream the summaries of watched articles only).
    mock.script([{ task: 'summary', status: 429, retryAfterSec: 1 }]);
    mock.setStreamPieceDelay(40);
    const { page, problems, blocked } = await open('submit');
    const form = page.locator('[data-testid=submit-one]');
    await form.locator('input[name=title]').fill('Record quarter');
    await form.locator('input[name=sourceUrl]').fill('https://news.example.com/a/1');
    await form.locator('textarea[name=content]').fill(LONG_CONTENT);
    await form.locator('button[type=submit]').click();
    await form.getByRole('link', { name: 'follow it' }).click();
    // Every text the summary shows, as the page shows it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=summary]')?.textContent ?? '';
        if (text && text !== seen.at(-1)) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await expect.poll(() => page.locator('.detail-head .badge').textContent(), { timeout: 20_000 }).toBe('COMPLETED');
    const id = page.url().split('/').at(-1)!;
    const { article } = await gql(api.url, ArticleDetails, { id });
    expect(article!.summary).toBeTruthy();
    await expect.poll(() => page.locator('[data-testid=summary]').textContent()).toBe(article!.summary);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const partial = seen.filter((text) => text.length < article!.summary!.length && article!.summary!.startsWith(text));
    expect(partial.length).toBeGreaterThan(2);
    // The timeline: the retry with its error, each step, the end; the calls with their cost.
    const timeline = await page.locator('[data-testid=timeline] li').allTextContents();
    expect(timeline.find((t) => t.includes('RETRYING'))).toMatch(/429|rate/i);
    expect(timeline.filter((t) => t.includes('STEP_COMPLETED'))).toHaveLength(3);
    expect(timeline.at(-1)).toContain('COMPLETED');
    await expect.poll(() => page.locator('[data-testid=calls] tbody tr').count()).toBe(3);
    expect(blocked).toEqual([]);
    expect(problems).toEqual([]);
    mock.setStreamPieceDelay(0);
  });

  it('lists failures by error kind and retries all of a kind from the Failures view', async () => {
    mock.script([{ task: 'keywords', status: 400, times: 2 }]);
    const failed = await Promise.all([1, 2].map((n) => submit(api.url, sampleArticle({ title: `Doomed ${n}` }))));
    for (const { articleId } of failed) expect((await awaitSettled(api.url, articleId)).at(-1)!.type).toBe('FAILED');
    const { page, problems } = await open('failures');
    const group = page.locator('[data-testid=failure-groups] tbody tr').first();
    await expect.poll(() => group.textContent(), { timeout: 10_000 }).toMatch(/2/);
    await expect.poll(() => page.locator('[data-testid=failed-jobs] tbody tr').count()).toBe(2);
    await group.getByRole('button', { name: /Retry all/ }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('2 articles queued again');
    for (const { articleId } of failed) await awaitArticleEvent(api.url, articleId, (e) => e.type === 'COMPLETED');
    await expect
      .poll(() => page.locator('.state.empty').first().textContent(), { timeout: 10_000 })
      .toMatch(/Nothing has failed/);
    expect(problems).toEqual([]);
  });

  it('shows the row and field of an invalid batch item, writes nothing, then follows a valid batch to the end', async () => {
    const before = (await gql(api.url, ListArticles, { first: 1 })).articles.totalCount;
    const { page, problems } = await open('submit');
    const box = page.locator('[data-testid=submit-batch]');
    const rows = [
      'title,content,sourceUrl,priority',
      `"One","${LONG_CONTENT}",https://news.example.com/b/1,HIGH`,
      `"Two","Short, but fine.",not-a-url,LOW`,
      `"Three","Also fine.",https://news.example.com/b/3,`,
    ];
    await box.locator('textarea').fill(rows.join('\n'));
    await box.getByRole('button', { name: 'Submit batch' }).click();
    const error = box.locator('.row-errors li');
    await expect.poll(() => error.textContent()).toMatch(/^Row 2: sourceUrl .*URL/);
    expect(await error.count()).toBe(1);
    expect((await gql(api.url, ListArticles, { first: 1 })).articles.totalCount).toBe(before);

    await box.locator('textarea').fill(rows.join('\n').replace('not-a-url', 'https://news.example.com/b/2'));
    await box.getByRole('button', { name: 'Submit batch' }).click();
    await expect
      .poll(() => box.locator('[data-testid=batch-progress]').textContent(), { timeout: 20_000 })
      .toMatch(/3 completed, 0 failed, 0 processing, 0 pending of 3 · finished/);
    expect((await gql(api.url, ListArticles, { first: 1 })).articles.totalCount).toBe(before + 3);
    expect(problems).toEqual([]);
  });

  it('marks a worker killed with SIGKILL as lost', async () => {
    const victim = spawnDistill('work', { ...environment.env, ...mockLlmEnv(mock), WORKER_ID: 'victim' });
    children.push(victim);
    const { page, problems } = await open('workers');
    const row = page.locator('tr[data-worker=victim]');
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 20_000 }).toBe('active');
    victim.kill('SIGKILL');
    await victim.exited;
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 20_000 }).toBe('lost');
    expect(await page.locator('tr[data-worker=steady] .badge').textContent()).toBe('active');
    expect(problems).toEqual([]);
    // A process to start, then three heartbeats to miss: more than the default 30 s on a loaded machine.
  }, 60_000);

  it('shows a banner while the connection is down, and catches the article up after it (afterSeq)', async () => {
    mock.setLatency(300);
    const { articleId } = await submit(api.url, sampleArticle({ title: 'Through the outage' }));
    const { page } = await open(`articles/${articleId}`);
    await expect.poll(() => page.locator('[data-testid=timeline] li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    proxy.cut();
    await page.locator('[data-testid=reconnecting]').waitFor({ timeout: 10_000 });
    // The article finishes while the page cannot hear it.
    expect((await awaitSettled(api.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    proxy.restore();
    await page.locator('[data-testid=reconnecting]').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.locator('.detail-head .badge').textContent(), { timeout: 10_000 }).toBe('COMPLETED');
    const timeline = await page.locator('[data-testid=timeline] li strong').allTextContents();
    expect(timeline).toEqual(['QUEUED', 'STARTED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'COMPLETED']);
    mock.setLatency(0);
  });

  it('cancels a running article and retries it from its page', async () => {
    // Its calls never answer: it is still running when Cancel arrives, however slow the machine.
    mock.script([{ hang: true, times: 3 }]);
    const { articleId } = await submit(api.url, sampleArticle({ title: 'Changed my mind' }));
    const { page, problems } = await open(`articles/${articleId}`);
    const badge = page.locator('.detail-head .badge');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('PROCESSING');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => badge.textContent()).toBe('CANCELLED');
    expect(await page.locator('.notice').textContent()).toBe('Cancelled');
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe('COMPLETED');
    expect(await page.locator('[data-testid=timeline] li strong').allTextContents()).toEqual(
      expect.arrayContaining(['CANCELLED', 'QUEUED', 'COMPLETED']),
    );
    expect(problems).toEqual([]);
  });

  it('asks for an API key where the API requires one, and says which views need an admin key', async () => {
    const guarded = await startTestSystem('real', {
      roles: { api: true, worker: false },
      environment,
      env: { AUTH: 'required' },
    });
    try {
      const { key } = await createApiKeyRepository(guarded.system.infra.db).create({
        tenantId: 'readers',
        scopes: ['articles:read', 'articles:write'],
        limits: {},
      });
      const { page, blocked } = await offlinePage(browser, new URL(guarded.url).host);
      await page.goto(`${guarded.url}/dashboard/#/articles`);
      const prompt = page.locator('form.key.needed');
      await prompt.waitFor({ timeout: 10_000 });
      await prompt.locator('input[name=apiKey]').fill(key);
      await prompt.getByRole('button', { name: 'Use key' }).click();
      // The tenant sees its own articles (none yet), not the others'.
      await expect.poll(() => page.locator('.state.empty').textContent()).toMatch(/No articles match/);
      await page.goto(`${guarded.url}/dashboard/#/workers`);
      await expect.poll(() => page.locator('.state.error').textContent()).toMatch(/needs an admin key/);
      // Kept in this browser: a new page does not ask again.
      await page.reload();
      expect(await page.locator('form.key.needed').count()).toBe(0);
      expect(blocked).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });

  it("pages through a batch's 250 articles by scrolling, drawing only the rows in view", async () => {
    const input = Array.from({ length: 250 }, (_, i) => sampleArticle({ title: `Paged ${i}` }));
    const { submitArticles } = await gql(api.url, SubmitArticles, { input });
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(submitArticles.__typename);
    const { page, problems } = await open(`batches/${submitArticles.batch.id}`);
    await expect.poll(() => page.locator('[data-testid=total]').textContent()).toBe('250 articles');
    const list = page.locator('.vlist');
    // Newest first: the last row is the batch's first item, two pages further down.
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
          return page.locator('.vrow .c-title').last().textContent();
        },
        { timeout: 10_000 },
      )
      .toBe('Paged 0');
    expect(await page.locator('.vrow').count()).toBeLessThan(50);
    expect(problems).toEqual([]);
  });

  it('opens every view with data and no console errors, then lists and filters the articles', async () => {
    const { page, problems, blocked } = await open('');
    for (const view of VIEWS) {
      await page.goto(`${base}/dashboard/#/${view}`);
      await page.locator('main .view').waitFor();
      await expect.poll(() => page.locator('main .state.loading').count(), { timeout: 10_000 }).toBe(0);
      expect(await page.locator('main .state.error').count()).toBe(0);
    }
    await page.goto(`${base}/dashboard/#/`);
    await expect.poll(() => page.locator('[data-testid=workers-alive]').textContent()).toBe('1 alive · 1 lost');
    expect(await page.locator('[data-testid=queue] tbody tr').allTextContents()).toHaveLength(3);
    expect(await page.locator('[data-testid=spend]').textContent()).toMatch(/Today \$0\.\d+/);

    await page.goto(`${base}/dashboard/#/costs`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe('day,model,step,usd');
    expect(rows.map((r) => r.split(',')[2]).sort()).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2},(gpt-4o-mini|claude-3-5-haiku-latest),[A-Z]+,0\.\d{6}$/.test(r))).toBe(true);

    await page.goto(`${base}/dashboard/#/articles`);
    await expect.poll(() => page.locator('[data-testid=total]').textContent()).toMatch(/\d+ articles/);
    await page.locator('select[aria-label=status]').selectOption('FAILED');
    await expect.poll(() => page.locator('.state.empty').textContent()).toMatch(/No articles match/);
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
  });
});
