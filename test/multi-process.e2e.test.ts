import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDatabase, type Db } from '../src/db/database.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit, isLogged } from './support/articles.js';
import { wsSubscribe } from './support/graphql-client.js';
import { ArticleEvents } from './support/operations.js';
import { spawnDistill, type DistillProcess } from './support/processes.js';
import { hasRealServices } from './support/services.js';
import { createTestEnvironment, type TestEnvironment } from './support/system.fixture.js';
import { mockLlmEnv } from './support/mock-llm.js';

// Separate processes share state only through PostgreSQL and NATS: this cannot run on PGlite.
describe.runIf(hasRealServices())('serve + two workers as separate processes on PostgreSQL and NATS', () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let api: DistillProcess;
  let workers: DistillProcess[];
  let apiUrl: string;
  let db: Db;

  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 200 });
    environment = await createTestEnvironment('real', {
      ...mockLlmEnv(mock),
      WORKER_CONCURRENCY: '4',
    });
    api = spawnDistill('serve', environment.env);
    const ready = await api.waitForLog((l) => typeof l.url === 'string');
    apiUrl = (ready.url as string).replace(/\/graphql$/, '');
    workers = ['w1', 'w2'].map((id) => spawnDistill('work', { ...environment.env, WORKER_ID: id }));
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === 'worker started')));
    db = await createDatabase({ kind: 'postgres', url: environment.env.DATABASE_URL!, poolSize: 2, queryTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    for (const p of [api, ...(workers ?? [])]) p?.kill('SIGTERM');
    await Promise.all([api, ...(workers ?? [])].map((p) => p?.exited));
    await db?.destroy();
    await mock?.stop();
    await environment?.cleanup();
  });

  it('spreads jobs over both workers and relays their events to subscribers on the API process', async () => {
    const submitted = await Promise.all(
      Array.from({ length: 24 }, (_, i) => submit(apiUrl, sampleArticle({ title: `Story ${i}` }))),
    );
    const subs = await Promise.all(
      submitted.map(({ articleId }) => wsSubscribe(apiUrl, ArticleEvents, { id: articleId, afterSeq: 0 })),
    );
    try {
      const streams = await Promise.all(subs.map((s) => s.events.until((e) => e.articleEvents.type === 'COMPLETED', 30_000)));
      for (const events of streams) {
        const types = events.map((e) => e.articleEvents.type).filter(isLogged);
        expect(types).toEqual(['QUEUED', 'STARTED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'COMPLETED']);
      }
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }

    const byWorker = await db
      .selectFrom('jobs')
      .select(['worker_id', sql<number>`count(*)::int`.as('jobs')])
      .groupBy('worker_id')
      .execute();
    expect(byWorker.map((r) => r.worker_id).sort()).toEqual(['w1', 'w2']);
    for (const row of byWorker) expect(row.jobs).toBeGreaterThan(0);
    const ledger = await db
      .selectFrom('llm_calls')
      .select(['article_id', sql<number>`count(*)::int`.as('calls')])
      .groupBy('article_id')
      .execute();
    expect(ledger).toHaveLength(24);
    for (const row of ledger) expect(row.calls).toBe(3);
  });

  it('shuts every process down cleanly on SIGTERM (exit code 0)', async () => {
    for (const p of [api, ...workers]) p.kill('SIGTERM');
    const exits = await Promise.all([api, ...workers].map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  });
});
