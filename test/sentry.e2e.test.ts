import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitArticleEvent } from './support/await-article.js';
import { gqlRequest } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { hasRealServices } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';
import { until } from './support/until.js';

interface SentryEvent {
  exception?: { values?: { type?: string; value?: string }[] };
  tags?: Record<string, string>;
  release?: string;
  environment?: string;
}

/** A local HTTP endpoint in Sentry's place: it keeps the events of the envelopes the real SDK posts. */
async function startEnvelopeSink(): Promise<{ dsn: string; events: SentryEvent[]; close(): Promise<void> }> {
  const events: SentryEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      // An envelope: a header line, then item header and item payload lines.
      const lines = body.toString('utf8').split('\n');
      for (let i = 1; i + 1 < lines.length; i += 2) {
        const item = JSON.parse(lines[i]!) as { type?: string };
        if (item.type === 'event') events.push(JSON.parse(lines[i + 1]!) as SentryEvent);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://0123456789abcdef@127.0.0.1:${port}/42`,
    events,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.runIf(hasRealServices())('unexpected errors go to Sentry (SENTRY_DSN)', { timeout: 60_000 }, () => {
  let sink: Awaited<ReturnType<typeof startEnvelopeSink>>;
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    sink = await startEnvelopeSink();
    mock = await startMockLlmServer({ latencyMs: 5 });
    sys = await startTestSystem('real', {
      env: { ...mockLlmEnv(mock), SENTRY_DSN: sink.dsn, SENTRY_ENVIRONMENT: 'test-suite', JOB_MAX_ATTEMPTS: '1' },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await mock?.stop();
    await sink?.close();
  });

  it('sends a job that failed on an unexpected error, tagged with its article and job', async () => {
    const db = sys.system.infra.db;
    // The content cache's table gone: the statement that stores a result fails in a way nothing expects.
    await sql`alter table llm_cache rename to llm_cache_away`.execute(db);
    try {
      const { articleId, jobId } = await submit(sys.url, sampleArticle({ title: 'Doomed' }));
      const events = await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'FAILED');
      expect(events.at(-1)!.error).toMatch(/llm_cache/);
      const [event] = await until(
        async () => sink.events.filter((e) => e.tags?.jobId === jobId),
        (found) => found.length > 0,
        10_000,
      );
      expect(event!.tags).toMatchObject({ articleId, jobId, attempt: '1' });
      expect(event!.exception!.values!.at(-1)!.value).toMatch(/llm_cache/);
      expect(event!.release).toBe('distill@0.1.0');
      expect(event!.environment).toBe('test-suite');
    } finally {
      await sql`alter table llm_cache_away rename to llm_cache`.execute(db);
    }
  });

  it('sends an unexpected error of a GraphQL operation, while the client sees it masked', async () => {
    const db = sys.system.infra.db;
    await sql`alter table batches rename to batches_away`.execute(db);
    try {
      const res = await gqlRequest(sys.url, { query: '{ batch(id: "0190a000-0000-7000-8000-000000000000") { id } }' });
      expect(res.body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(JSON.stringify(res.body)).not.toMatch(/batches/);
      const [event] = await until(
        async () => sink.events.filter((e) => e.tags?.graphqlPath === 'batch'),
        (found) => found.length > 0,
        10_000,
      );
      expect(event!.exception!.values!.at(-1)!.value).toMatch(/batches/);
    } finally {
      await sql`alter table batches_away rename to batches`.execute(db);
    }
  });
});
