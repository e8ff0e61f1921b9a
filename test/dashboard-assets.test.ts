import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../dashboard/build.js';
import { loadDashboardAssets, type DashboardAssets } from '../src/server/dashboard-assets.js';

async function serve(assets: DashboardAssets): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (!assets.serve((req.url ?? '/').split('?')[0]!, req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the dashboard build and its serving', () => {
  let dir: string;
  let files: string[];
  let url: string;
  let server: Server;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distill-dashboard-'));
    ({ files } = await buildDashboard(dir));
    ({ url, server } = await serve(await loadDashboardAssets(dir)));
  });
  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fits the asset budget: at most 300 KB gzipped in all', async () => {
    let total = 0;
    for (const name of await readdir(dir)) total += gzipSync(await readFile(join(dir, name))).length;
    console.log(`[dashboard] ${files.join(', ')}: ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(total).toBeLessThanOrEqual(300 * 1024);
  });

  it('redirects /dashboard to /dashboard/ and serves the page with a policy that allows only this origin', async () => {
    const redirect = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
    const page = await fetch(`${url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; connect-src 'self'/);
    const html = await page.text();
    const script = /src="\.\/(main-[\w]+\.js)"/.exec(html)?.[1];
    expect(files).toContain(script);
  });

  it('serves the hashed files gzipped, cached for a year, and answers 304 to a known ETag', async () => {
    const script = files.find((f) => f.endsWith('.js'))!;
    const first = await fetch(`${url}/dashboard/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await first.text()).toBe(await readFile(join(dir, script), 'utf8'));
    const again = await fetch(`${url}/dashboard/${script}`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 to unknown files, 405 to writes, and leaves other paths to the API', async () => {
    expect((await fetch(`${url}/dashboard/..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${url}/dashboard/nope.js`)).status).toBe(404);
    expect((await fetch(`${url}/dashboard/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/graphql`)).status).toBe(418);
    expect((await fetch(`${url}/dashboards`)).status).toBe(418);
  });

  it('says how to build it when it is not built', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'distill-unbuilt-'));
    const unbuilt = await serve(await loadDashboardAssets(empty));
    try {
      const response = await fetch(`${unbuilt.url}/dashboard/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/npm run build:dashboard/);
    } finally {
      unbuilt.server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
