import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// The page talks only to this API (HTTP and WebSocket: 'self'); uPlot sizes its canvas with inline styles.
const PAGE_POLICY =
  "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  cache: string;
}

export interface DashboardAssets {
  /** Answers /dashboard and /dashboard/* (`path`: the request's, without its query); false for any other path. */
  serve(path: string, req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether the built files were found (else /dashboard says how to build them). */
  built: boolean;
}

/**
 * The dashboard's built files (`npm run build:dashboard` writes them), read and gzipped once at
 * start-up and served from memory: index.html revalidated, the content-hashed rest cached for a year.
 */
export async function loadDashboardAssets(dir: string): Promise<DashboardAssets> {
  const assets = new Map<string, Asset>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = await readFile(join(dir, name));
    assets.set(name, {
      type,
      body,
      gzipped: gzipSync(body),
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      cache: name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
  }
  const built = assets.has('index.html');

  return {
    built,
    serve(path, req, res) {
      if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      // Relative asset URLs need the trailing slash.
      if (path === '/dashboard') {
        res.writeHead(308, { location: '/dashboard/' }).end();
        return true;
      }
      if (!built) {
        res
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The dashboard is not built: run `npm run build:dashboard` (npm install does it).\n');
        return true;
      }
      const name = path.slice('/dashboard/'.length) || 'index.html';
      const asset = assets.get(name);
      if (!asset) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
        return true;
      }
      const headers: Record<string, string> = {
        'content-type': asset.type,
        'cache-control': asset.cache,
        etag: asset.etag,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
      };
      if (name === 'index.html') headers['content-security-policy'] = PAGE_POLICY;
      if (req.headers['if-none-match'] === asset.etag) {
        res.writeHead(304, headers).end();
        return true;
      }
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const body = gzip ? asset.gzipped : asset.body;
      if (gzip) headers['content-encoding'] = 'gzip';
      headers['content-length'] = String(body.length);
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
