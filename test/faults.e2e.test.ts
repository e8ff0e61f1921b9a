import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../src/db/database.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit, isLogged } from './support/articles.js';
import { awaitArticleEvent } from './support/await-article.js';
import { wsSubscribe } from './support/graphql-client.js';
import { ArticleEvents } from './support/operations.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { hasRealServices, natsUrl } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';
import { startPrivateNatsServer } from './support/nats-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { expectCompletedOnce, outboxRows } from './support/invariants.js';
import { mockLlmEnv } from './support/mock-llm.js';

/**
 * Crashes and outages with real worker processes, real PostgreSQL and real nats-server.
 * The invariant after each: every accepted article COMPLETED, exactly one ledger row per
 * (article, step), nothing left PROCESSING or in the outbox.
 */
// Each test starts and kills real processes (a few seconds each to start through tsx): 60 s apiece.
describe.runIf(hasRealServices())('fault tolerance with real processes', { timeout: 60_000 }, () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let api: TestSystem;
  let db: Db;
  const children: DistillProcess[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    mock = await startMockLlmServer();
  });
  afterAll(async () => {
    await mock.stop();
  });

  async function setUp(extra: Record<string, string> = {}): Promise<void> {
    mock.reset();
    environment = await createTestEnvironment('real', {
      ...mockLlmEnv(mock),
      JOB_ACK_WAIT_MS: '2000',
      JOB_BACKOFF_BASE_MS: '200',
      JOB_BACKOFF_MAX_MS: '1000',
      OUTBOX_RELAY_INTERVAL_MS: '200',
      ...extra,
    });
    api = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
    db = await createDatabase({ kind: 'postgres', url: environment.env.DATABASE_URL!, poolSize: 2, queryTimeoutMs: 10_000 });
  }

  afterEach(async () => {
    await killAll(children);
    await api?.stop();
    await db?.destroy();
    for (const proxy of proxies.splice(0)) await proxy.close();
    await environment?.cleanup();
  });

  function worker(id: string, env: Record<string, string> = {}): DistillProcess {
    const child = spawnDistill('work', { ...environment.env, WORKER_ID: id, ...env });
    children.push(child);
    return child;
  }

  /** A second API in this process whose NATS connection goes through `natsProxy`. */
  function apiThrough(natsProxy: TcpProxy): Promise<TestSystem> {
    return startTestSystem('real', {
      roles: { api: true, worker: false },
      environment,
      env: { NATS_URL: `nats://127.0.0.1:${natsProxy.port}` },
    });
  }

  async function proxy(port: number): Promise<TcpProxy> {
    const p = await startTcpProxy(port);
    proxies.push(p);
    return p;
  }

  async function submitMany(count: number, label: string): Promise<string[]> {
    const submitted = await Promise.all(
      Array.from({ length: count }, (_, i) => submit(api.url, sampleArticle({ title: `${label} ${i}` }))),
    );
    return submitted.map((s) => s.articleId);
  }

  const allCompleted = (ids: string[], timeoutMs = 60_000) =>
    Promise.all(ids.map((id) => awaitArticleEvent(api.url, id, (e) => e.type === 'COMPLETED', timeoutMs)));

  it('loses nothing when a worker with 50 jobs in flight is killed with SIGKILL', async () => {
    await setUp();
    mock.setLatency(2_000);
    const victim = worker('victim');
    await victim.waitForLog((l) => l.msg === 'worker started');
    const ids = await submitMany(50, 'kill');
    // 50 jobs × 3 concurrent steps are waiting on the (2 s) model.
    await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBeGreaterThanOrEqual(150);
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const survivor = worker('survivor');
    await allCompleted(ids);
    const recoveryMs = Date.now() - killedAt;
    await expectCompletedOnce(db, 50);
    // Each of the 150 calls the kill interrupted was made once more, and nothing else was paid twice.
    expect(mock.stats().requests).toBe(300);
    const jobs = await db.selectFrom('jobs').select(['worker_id', 'attempt', 'state']).execute();
    expect(jobs.every((j) => j.state === 'SUCCEEDED' && j.worker_id === 'survivor')).toBe(true);
    console.info(
      `[fault] SIGKILL with 50 jobs in flight: all 50 COMPLETED ${recoveryMs} ms after the kill (ack wait 2 s, model 2 s)`,
    );
    expect(survivor.logs.some((l) => l.level === 50)).toBe(false);
  });

  it('loses nothing and duplicates nothing when NATS is cut off for 10 s under load', async () => {
    const natsPort = Number(new URL(natsUrl()).port);
    const natsProxy = await proxy(natsPort);
    await setUp({ NATS_URL: `nats://127.0.0.1:${natsProxy.port}` });
    // The in-process API above talks to NATS directly; this API and the worker go through the proxy.
    const cutApi = await apiThrough(natsProxy);
    try {
      mock.setLatency(300);
      const w = worker('w1', { NATS_URL: `nats://127.0.0.1:${natsProxy.port}` });
      await w.waitForLog((l) => l.msg === 'worker started');
      const before = await Promise.all(
        Array.from({ length: 20 }, (_, i) => submit(cutApi.url, sampleArticle({ title: `before ${i}` }))),
      );
      natsProxy.cut();
      const cutAt = Date.now();
      // Accepted while the queue is unreachable: PENDING, kept in the outbox.
      const during = await Promise.all(
        Array.from({ length: 20 }, (_, i) => submit(cutApi.url, sampleArticle({ title: `during ${i}` }))),
      );
      const submitMs = Date.now() - cutAt;
      expect(await outboxRows(db)).toBeGreaterThanOrEqual(during.length);
      await new Promise((resolve) => setTimeout(resolve, 10_000 - (Date.now() - cutAt))); // the outage itself lasts 10 s
      natsProxy.restore();
      const restoredAt = Date.now();
      await allCompleted([...before, ...during].map((s) => s.articleId));
      console.info(
        `[fault] NATS cut 10 s: 20 submits during the cut took ${submitMs} ms in all; all 40 COMPLETED ${Date.now() - restoredAt} ms after restore`,
      );
      await expectCompletedOnce(db, 40);
      // Redeliveries after the cut found their steps done: three paid calls per article, no more.
      expect(mock.stats().requests).toBe(40 * 3);
    } finally {
      await cutApi.stop();
    }
  });

  it('a subscriber on an API cut off from NATS still receives what it missed once NATS is back', async () => {
    const natsProxy = await proxy(Number(new URL(natsUrl()).port));
    await setUp();
    // This API hears NATS through the proxy; the worker talks to NATS directly and keeps working.
    const cutApi = await apiThrough(natsProxy);
    try {
      mock.setLatency(1_500);
      const w = worker('w1');
      await w.waitForLog((l) => l.msg === 'worker started');
      const { articleId } = await submit(cutApi.url);
      const sub = await wsSubscribe(cutApi.url, ArticleEvents, { id: articleId });
      try {
        await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBe(3);
        natsProxy.cut();
        const status = () =>
          db.selectFrom('articles').select('status').where('id', '=', Number(articleId)).executeTakeFirstOrThrow();
        await expect.poll(async () => (await status()).status, { timeout: 15_000 }).toBe('COMPLETED');
        natsProxy.restore(); // the COMPLETED event was published while this API was cut off
        const events = (await sub.events.until((e) => e.articleEvents.type === 'COMPLETED', 15_000)).map((e) => e.articleEvents);
        expect(events[0]).toMatchObject({ type: 'SNAPSHOT' });
        expect(events[0]!.article.status).not.toBe('COMPLETED');
        const logged = events.slice(1).filter((e) => isLogged(e.type));
        // The three steps and the completion, all published while this API was cut off.
        expect(logged.map((e) => e.type).slice(-4)).toEqual(['STEP_COMPLETED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'COMPLETED']);
        // In order and without gaps from the snapshot on: what was missed came from the log.
        const seqs = [events[0]!.seq, ...logged.map((e) => e.seq)];
        expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      } finally {
        await sub.close();
      }
    } finally {
      await cutApi.stop();
    }
  });

  it('loses nothing when nats-server itself is killed with SIGKILL and restarted', async () => {
    const nats = await startPrivateNatsServer();
    try {
      await setUp({ NATS_URL: nats.url });
      // The in-process API of setUp uses this server too (NATS_URL above); the worker is a process.
      mock.setLatency(1_000);
      const w = worker('w1');
      await w.waitForLog((l) => l.msg === 'worker started');
      const running = await submitMany(20, 'running');
      await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
      await nats.kill();
      const killedAt = Date.now();
      // Accepted while the server is down: kept in the outbox.
      const whileDown = await submitMany(10, 'while down');
      expect(await outboxRows(db)).toBeGreaterThanOrEqual(whileDown.length);
      await nats.start();
      await allCompleted([...running, ...whileDown]);
      console.info(`[fault] nats-server SIGKILL + restart: all 30 COMPLETED ${Date.now() - killedAt} ms after the kill`);
      await expectCompletedOnce(db, 30);
      expect(mock.stats().requests).toBe(30 * 3);
      expect(w.child.exitCode).toBeNull();
    } finally {
      await api?.stop(); // before its server goes away, so its NATS drain does not wait out a deadline
      await nats.stop();
    }
  });

  it('retries through a PostgreSQL outage without crashing the worker', async () => {
    const pgProxy = await proxy(5432);
    await setUp();
    mock.setLatency(1_000);
    const url = new URL(environment.env.DATABASE_URL!);
    url.port = String(pgProxy.port);
    url.hostname = '127.0.0.1';
    const w = worker('w1', { DATABASE_URL: url.toString(), DATABASE_QUERY_TIMEOUT_MS: '3000' });
    await w.waitForLog((l) => l.msg === 'worker started');
    const ids = await submitMany(20, 'pg');
    await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    pgProxy.cut();
    await w.waitForLog(
      (l) => /could not|database unavailable|attempt failed/.test(String(l.msg) + String(l.error ?? '')),
      15_000,
    );
    pgProxy.restore();
    const restoredAt = Date.now();
    await allCompleted(ids);
    console.info(`[fault] PostgreSQL cut during 20 jobs: all COMPLETED ${Date.now() - restoredAt} ms after restore`);
    await expectCompletedOnce(db, 20);
    expect(w.child.exitCode).toBeNull();
  });

  it('on SIGTERM finishes the jobs in flight and leaves the rest to another worker', async () => {
    await setUp({ WORKER_CONCURRENCY: '4' });
    mock.setLatency(1_000);
    const leaving = worker('leaving');
    const staying = worker('staying');
    await Promise.all([leaving, staying].map((w) => w.waitForLog((l) => l.msg === 'worker started')));
    const ids = await submitMany(30, 'term');
    await expect.poll(() => mock.stats().inFlight, { timeout: 10_000 }).toBeGreaterThanOrEqual(24);
    leaving.kill('SIGTERM');
    const waiting = await leaving.waitForLog((l) => l.msg === 'waiting for running jobs');
    expect(await leaving.exited).toEqual({ code: 0, signal: null });
    const completedByLeaving = leaving.logs.filter((l) => l.msg === 'job completed').length;
    expect(completedByLeaving).toBeGreaterThanOrEqual(waiting.inFlight as number);
    expect(leaving.logs.some((l) => l.msg === 'job released at shutdown')).toBe(false);
    await allCompleted(ids);
    await expectCompletedOnce(db, 30);
    // Nothing ran twice: jobs the leaving worker had only buffered were handed back before starting.
    const attempts = await db.selectFrom('jobs').select('attempt').execute();
    expect(attempts.every((j) => j.attempt === 1)).toBe(true);
  });

  it('terminates a poison message and keeps working', async () => {
    await setUp();
    const w = worker('w1');
    await w.waitForLog((l) => l.msg === 'worker started');
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: natsUrl() });
    nc.publish(`${environment.env.DISTILL_NAMESPACE}.jobs.normal`, 'definitely not a job');
    await nc.flush();
    await nc.close();
    await w.waitForLog((l) => String(l.msg).startsWith('poison message'));
    const ids = await submitMany(3, 'after poison');
    await allCompleted(ids);
    await expectCompletedOnce(db, 3);
  });
});
