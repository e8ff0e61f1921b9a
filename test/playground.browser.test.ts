import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, offlinePage } from './support/browser.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

describe.runIf(hasChromium())('the playground in a real browser, offline', () => {
  const [backend] = availableBackends();
  let sys: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    sys = await startTestSystem(backend!, { roles: { api: true, worker: false }, env: { GRAPHIQL: 'true' } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('loads GraphiQL from the package alone and runs the Submit example', async () => {
    const { page, context, blocked } = await offlinePage(browser, new URL(sys.url).host);
    await page.goto(`${sys.url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    expect(await page.title()).toBe('Distill');
    await page.click('.graphiql-execute-button');
    const result = page.locator('.graphiql-response');
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('SubmitArticlePayload');
    expect(await result.textContent()).toMatch(/"status":\s*"PENDING"/);
    expect(blocked).toEqual([]);
    await context.close();
  });
});
