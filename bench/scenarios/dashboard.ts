import type { Page } from 'playwright-core';
import { createApiKeyRepository } from '../../src/access/api-key.repository.js';
import { createDatabase } from '../../src/db/database.js';
import { launchChromium } from '../../test/support/browser.js';
import { authHeaders, benchContent, startDistill } from '../lib/distill.js';
import { createBenchEnvironment, type BenchEnvironment } from '../lib/environment.js';
import { postJson } from '../lib/http.js';
import { round, summarize } from '../lib/stats.js';

const LOADS = 15;
const SUBMIT_BATCH = `mutation ($input: [SubmitArticleInput!]!) { submitArticles(input: $input) { __typename } }`;

// Page scripts as text: tsx would wrap functions passed as code in helpers the page lacks (`__name`).
/** Sets `readyAt`: milliseconds from navigation until the view shows data (`main .view`, nothing loading). */
const READY_PROBE = `
  new MutationObserver(() => {
    if (window.readyAt) return;
    if (document.querySelector('main .view') && !document.querySelector('main .state.loading')) window.readyAt = performance.now();
  }).observe(document, { subtree: true, childList: true });`;

/** Counts the WebSocket messages the page receives (`window.wsMessages`), in the page: cheaper than CDP. */
const FRAME_COUNTER = `
  window.wsMessages = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.wsMessages++);
    }
  };`;

/** Whether the list holds `n` articles and the rows in view are all COMPLETED (the newest are on top). */
const ALL_COMPLETED = `
  window.allCompleted = (n) =>
    Number((document.querySelector('[data-testid=total]')?.textContent ?? '').replace(/\\D/g, '')) >= n &&
    [...document.querySelectorAll('.vrow .badge')].every((b) => b.textContent === 'COMPLETED');`;

/** Counts frames and long tasks (the main thread busy over 50 ms) from now on. */
const FRAME_PROBE = `
  window.frames_ = 0;
  window.longTasks = [];
  const tick = () => { window.frames_++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({ type: 'longtask' });`;

async function adminKey(environment: BenchEnvironment): Promise<string> {
  const db = await createDatabase({ kind: 'postgres', url: environment.databaseUrl, poolSize: 1, queryTimeoutMs: 10_000 });
  try {
    return (await createApiKeyRepository(db).create({ tenantId: 'ops', scopes: ['admin'], limits: {} })).key;
  } finally {
    await db.destroy();
  }
}

/**
 * The dashboard in headless Chromium against `serve` + `work` processes on real PostgreSQL and NATS:
 * (1) the first view, cold (new browser context, no cache) LOADS times: from navigation to the app's
 * script having run (DOMContentLoaded), and to the Overview showing data; (2) the Articles view
 * while the pipeline runs `articles` articles (about six feed updates each): frames per second and
 * long tasks in the page, feed messages received per second.
 */
export async function benchDashboard(quick: boolean, llmEnv: Record<string, string>) {
  const articles = quick ? 2_000 : 6_000;
  const environment = await createBenchEnvironment(llmEnv);
  const distill = await startDistill(environment, { worker: true });
  const browser = await launchChromium();
  try {
    const key = await adminKey(environment);
    const withKey = async (page: Page) => page.addInitScript((k) => localStorage.setItem('distill.apiKey', k), key);

    const ready: number[] = [];
    const scripted: number[] = [];
    let bytes = 0;
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await withKey(page);
      await page.addInitScript({ content: READY_PROBE });
      await page.goto(`${distill.apiUrl}/dashboard/`);
      await page.waitForFunction(() => (window as unknown as { readyAt?: number }).readyAt, undefined, { timeout: 10_000 });
      ready.push(await page.evaluate(() => (window as unknown as { readyAt: number }).readyAt));
      // The app's script has run (module scripts run before DOMContentLoaded): it answers input from here.
      scripted.push(
        await page.evaluate(
          () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd,
        ),
      );
      // Bytes over the wire (compressed), the page and its assets.
      bytes = await page.evaluate(() =>
        [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
          .map((e) => (e as PerformanceResourceTiming).transferSize)
          .reduce((a, b) => a + b, 0),
      );
      await context.close();
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await withKey(page);
    await page.addInitScript({ content: FRAME_COUNTER });
    await page.goto(`${distill.apiUrl}/dashboard/#/articles`);
    await page.locator('main .view').waitFor();
    await page.evaluate(FRAME_PROBE);
    const start = performance.now();
    for (let i = 0; i < articles; i += 500) {
      const input = Array.from({ length: Math.min(500, articles - i) }, (_, j) => ({
        title: `Story ${i + j}`,
        content: benchContent(i + j),
        sourceUrl: `https://bench.example/${i + j}`,
        cache: false,
      }));
      const body = await postJson<{ data?: { submitArticles: { __typename: string } } }>(
        `${distill.apiUrl}/graphql`,
        { query: SUBMIT_BATCH, variables: { input } },
        authHeaders(distill.apiUrl),
      );
      if (body.data?.submitArticles.__typename !== 'SubmitArticlesPayload')
        throw new Error(`batch refused: ${JSON.stringify(body)}`);
    }
    // Until the page lists every article COMPLETED (the list's first rows are the newest).
    await page.evaluate(ALL_COMPLETED);
    await page.waitForFunction((n) => (window as unknown as { allCompleted(n: number): boolean }).allCompleted(n), articles, {
      timeout: 600_000,
      polling: 500,
    });
    const seconds = (performance.now() - start) / 1000;
    const { frames, longTasks, feedFrames } = await page.evaluate(() => {
      const w = window as unknown as { frames_: number; longTasks: number[]; wsMessages: number };
      return { frames: w.frames_, longTasks: w.longTasks, feedFrames: w.wsMessages };
    });
    await context.close();
    return {
      firstView: { loads: LOADS, scriptedMs: summarize(scripted), readyMs: summarize(ready), transferredKB: round(bytes / 1024) },
      articlesUnderLoad: {
        articles,
        seconds: round(seconds),
        feedFramesPerSecond: round(feedFrames / seconds),
        framesPerSecond: round(frames / seconds),
        longTasks: longTasks.length,
        longestTaskMs: round(Math.max(0, ...longTasks)),
      },
    };
  } finally {
    await browser.close();
    await distill.stop();
    await environment.cleanup();
  }
}
