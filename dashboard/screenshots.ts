/**
 * `npm run screenshots`: the dashboard's views in headless Chromium, saved to docs/screenshots/.
 * Starts Distill on embedded defaults (a temporary data directory) with the mock LLM, submits a day's
 * worth of sample work (some of it failing), and captures each view once the work has settled.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import { startMockLlmServer } from '../src/devtools/mock-llm.server.js';
import { createLogger } from '../src/lib/logger.js';
import { startSystem } from '../src/runtime/start-system.js';
import { launchChromium } from '../test/support/browser.js';
import { buildDashboard } from './build.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const TOPICS = [
  'Central bank holds rates',
  'Record harvest',
  'Chip maker beats forecasts',
  'Storm closes ports',
  'New metro line opens',
];

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
}

await buildDashboard();
const dataDir = await mkdtemp(join(tmpdir(), 'distill-screenshots-'));
const mock = await startMockLlmServer({ latencyMs: 300 });
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: '0',
  LOG_LEVEL: 'warn',
  WORKER_ID: 'worker-1',
  OPENAI_API_KEY: 'sk-mock',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-mock',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
  LLM_ROUTE_SENTIMENT: 'anthropic:claude-3-5-haiku-latest',
  SCHEDULE_CLEANUP: 'off',
  SCHEDULE_RETRY_FAILED: 'off',
  SCHEDULE_BUDGET_CHECK: 'off',
});
const system = await startSystem(config, { api: true, worker: true }, createLogger('warn'));
const url = system.api!.url;
const browser = await launchChromium();
try {
  await graphql(
    url,
    `
      mutation {
        setBudget(input: { limitUsd: 0.05 }) {
          __typename
        }
      }
    `,
  );
  mock.script([{ task: 'keywords', status: 400, times: 3 }]);
  const input = Array.from({ length: 60 }, (_, i) => ({
    title: `${TOPICS[i % TOPICS.length]} (${i + 1})`,
    content: `${TOPICS[i % TOPICS.length]}. Story ${i}: officials and analysts weigh in. Growth was strong across every region, and markets rose on the news.`,
    sourceUrl: `https://news.example.com/${i}`,
    priority: ['HIGH', 'NORMAL', 'LOW'][i % 3],
  }));
  await graphql(
    url,
    `
      mutation ($input: [SubmitArticleInput!]!) {
        submitArticles(input: $input) {
          __typename
        }
      }
    `,
    { input },
  );
  for (;;) {
    const { data } = await graphql(
      url,
      `
        {
          articles(filter: { status: PROCESSING }) {
            totalCount
          }
          p: articles(filter: { status: PENDING }) {
            totalCount
          }
        }
      `,
    );
    const open = data as { articles: { totalCount: number }; p: { totalCount: number } };
    if (open.articles.totalCount + open.p.totalCount === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { data } = await graphql(
    url,
    `
      {
        articles(first: 1, filter: { status: COMPLETED }) {
          edges {
            node {
              id
            }
          }
        }
      }
    `,
  );
  const articleId = (data as { articles: { edges: { node: { id: string } }[] } }).articles.edges[0]!.node.id;

  await mkdir(OUT, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const views: [string, string][] = [
    ['overview', ''],
    ['articles', 'articles'],
    ['article', `articles/${articleId}`],
    ['failures', 'failures'],
    ['workers', 'workers'],
    ['submit', 'submit'],
    ['costs', 'costs'],
  ];
  for (const [name, hash] of views) {
    await page.goto(`${url}/dashboard/#/${hash}`);
    await page.locator('main .view').waitFor();
    await page.waitForFunction(() => !document.querySelector('main .state.loading'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
  await system.stop();
  await mock.stop();
  await rm(dataDir, { recursive: true, force: true });
}
