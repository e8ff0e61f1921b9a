import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

// Debian's Chromium (.ci/run installs it). Flags: no sandbox as root, and no background calls home,
// which this machine's closed network would refuse.
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.runIf(existsSync(CHROMIUM))('the playground in a real browser, offline', () => {
  const [backend] = availableBackends();
  let sys: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    sys = await startTestSystem(backend!, { roles: { api: true, worker: false }, env: { GRAPHIQL: 'true' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('loads GraphiQL from the package alone and runs the Submit example', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    const local = new URL(sys.url).host;
    // Every request that is not to this API is refused, as it would be on a machine without internet.
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.host === local || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      blocked.push(url.href);
      return route.abort();
    });
    await page.goto(`${sys.url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    expect(await page.title()).toBe('Distill');
    await page.click('.graphiql-execute-button');
    const result = page.locator('.graphiql-response');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('SubmitArticlePayload');
    expect(await result.textContent()).toMatch(/"status":\s*"PENDING"/);
    expect(blocked).toEqual([]);
    await page.close();
  });
});
