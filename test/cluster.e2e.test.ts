import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../src/db/database.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { jobNames } from '../src/queue/jetstream.queue.js';
import { COMPLETED_RUN, isLogged, sampleArticle, submit } from './support/articles.js';
import { followArticle, type FollowedArticle } from './support/follow-article.js';
import { sseSubscribe } from './support/graphql-client.js';
import { startHaproxy, type LoadBalancer } from './support/haproxy.js';
import { expectCompletedOnce } from './support/invariants.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { startNatsCluster, type NatsCluster } from './support/nats-server.js';
import { ArticleEvents } from './support/operations.js';
import { freePort } from './support/ports.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { until } from './support/until.js';

/**
 * Beyond one machine: three nats-server processes in one JetStream cluster (the job stream at R3),
 * real API and worker processes given the server list, HAProxy in front of two APIs. The invariant
 * after each fault: every accepted article COMPLETED, exactly one ledger row per (article, step).
 */
describe.runIf(hasRealServices())('a three-node NATS cluster and two APIs behind HAProxy', { timeout: 120_000 }, () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let db: Db;
  const children: DistillProcess[] = [];
  const stoppers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    // JetStream answers once the cluster has elected its meta leader.
    jsm = await until(
      () => jetstreamManager(nc).catch(() => undefined),
      (m) => m !== undefined,
      20_000,
    ).then((m) => m!);
    mock = await startMockLlmServer();
  });
  afterAll(async () => {
    await nc?.close();
    await mock?.stop();
    await cluster?.stop();
  });

  async function setUp(extra: Record<string, string> = {}): Promise<void> {
    mock.reset();
    environment = await createTestEnvironment('real', {
      ...mockLlmEnv(mock),
      NATS_URL: cluster.url,
      NATS_REPLICAS: '3',
      JOB_ACK_WAIT_MS: '2000',
      JOB_BACKOFF_BASE_MS: '200',
      JOB_BACKOFF_MAX_MS: '1000',
      OUTBOX_RELAY_INTERVAL_MS: '200',
      ...extra,
    });
    db = await createDatabase({ kind: 'postgres', url: environment.env.DATABASE_URL!, poolSize: 2, queryTimeoutMs: 10_000 });
  }
  afterEach(async () => {
    // Every stopper runs, whatever one of them throws; then the processes they talk to are killed.
    const results = await Promise.allSettled(
      stoppers
        .splice(0)
        .reverse()
        .map((stop) => stop()),
    );
    await killAll(children);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    await db?.destroy();
    await environment?.cleanup();
  });

  const stream = () => jobNames(environment.env.DISTILL_NAMESPACE!).stream;

  async function api(): Promise<TestSystem> {
    const system = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
    stoppers.push(() => system.stop());
    return system;
  }
  async function worker(id: string, env: Record<string, string> = {}): Promise<DistillProcess> {
    const child = spawnDistill('work', { ...environment.env, WORKER_ID: id, ...env });
    children.push(child);
    await child.waitForLog((l) => l.msg === 'worker started');
    return child;
  }
  const submitMany = (url: string, count: number, label: string) =>
    Promise.all(Array.from({ length: count }, (_, i) => submit(url, sampleArticle({ title: `${label} ${i}` }))));

  const statusCounts = async () =>
    Object.fromEntries(
      (
        await db
          .selectFrom('articles')
          .select(['status', sql<number>`count(*)::int`.as('n')])
          .groupBy('status')
          .execute()
      ).map((r) => [r.status, r.n]),
    ) as Record<string, number>;
  const allCompleted = (count: number, timeoutMs = 60_000) => until(statusCounts, (s) => s.COMPLETED === count, timeoutMs);

  /** The stream's leader, once it has one and both followers are current. */
  const settledLeader = async (): Promise<string> => {
    const info = await until(
      () => jsm.streams.info(stream()).catch(() => undefined),
      (i) => !!i?.cluster?.leader && i.cluster.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current && !r.offline),
      30_000,
    );
    return info!.cluster!.leader!;
  };

  it('keeps accepting while the stream leader is killed under load, completes every article once, and again after a restart', async () => {
    await setUp({ WORKER_CONCURRENCY: '100' });
    mock.setLatency(1_500);
    const { url } = await api();
    await Promise.all([worker('w1'), worker('w2')]);
    expect((await jsm.streams.info(stream())).config.num_replicas).toBe(3);

    let total = 0;
    for (const round of [1, 2]) {
      const leader = await settledLeader();
      // Load: at least 200 accepted articles not yet completed when the leader dies.
      const inFlight = async () => total - ((await statusCounts()).COMPLETED ?? 0);
      for (let batch = 0; (await inFlight()) < 200; batch++) {
        expect(batch, 'submissions outpace completions').toBeLessThan(20);
        await submitMany(url, 50, `round ${round}, batch ${batch}`);
        total += 50;
      }

      await cluster.nodes.get(leader)!.kill();
      // Accepted while there is no leader: the outbox holds what JetStream cannot take yet.
      await submitMany(url, 100, `round ${round}, no leader`);
      total += 100;
      await allCompleted(total);
      await expectCompletedOnce(db, total);
      await cluster.nodes.get(leader)!.start();
    }
  });

  it("finishes a partitioned worker's jobs on the other, and books nothing of its late results when it returns", async () => {
    await setUp();
    mock.setLatency(200);
    // The partitioned worker's provider is slow: its answers arrive after the other worker's.
    const slow = await startMockLlmServer({ latencyMs: 8_000 });
    stoppers.push(() => slow.stop());
    const { url } = await api();
    // Each worker reaches NATS only through a proxy of its own to one node.
    const throughProxy = async (node: string) => {
      const proxy = await startTcpProxy(Number(new URL(cluster.nodes.get(node)!.url).port));
      stoppers.push(() => proxy.close());
      return { proxy, env: { NATS_URL: `nats://127.0.0.1:${proxy.port}` } };
    };
    const [toN1, toN2] = [await throughProxy('n1'), await throughProxy('n2')];
    // The other worker is started now, but kept off NATS until the partition.
    const [partitioned] = await Promise.all([
      worker('partitioned', { ...mockLlmEnv(slow), ...toN1.env }),
      worker('w2', toN2.env),
    ]);
    toN2.proxy.cut();

    const ids = (await submitMany(url, 20, 'partition')).map((s) => s.articleId);
    const runningOn = async (workerId: string) =>
      (
        await db
          .selectFrom('jobs')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('worker_id', '=', workerId)
          .where('state', '=', 'RUNNING')
          .executeTakeFirstOrThrow()
      ).n;
    await until(
      () => runningOn('partitioned'),
      (n) => n === 20,
      20_000,
    );

    toN1.proxy.cut();
    toN2.proxy.restore();
    await allCompleted(20, 30_000);
    const finishers = await db.selectFrom('jobs').select('worker_id').distinct().execute();
    expect(finishers).toEqual([{ worker_id: 'w2' }]);

    // Its calls return late: every one of its 20 jobs ends without booking (the results are stored).
    const outcomes = () => new Set(partitioned.logs.filter((l) => /^job /.test(String(l.msg))).map((l) => l.jobId)).size;
    await until(
      async () => outcomes(),
      (n) => n === 20,
      30_000,
    );
    expect(slow.stats().requests).toBe(60);
    toN1.proxy.restore();
    await partitioned.waitForLog((l) => l.nats === 'reconnect', 20_000);

    // Back in the cluster, new work completes as before; and nothing of the old jobs happened twice.
    ids.push(...(await submitMany(url, 10, 'after the partition')).map((s) => s.articleId));
    await allCompleted(30, 30_000);
    await expectCompletedOnce(db, 30);
    const runs = await db
      .selectFrom('article_events')
      .select(['article_id', sql<string>`string_agg(type, ',' order by seq)`.as('types')])
      .where('article_id', 'in', ids.slice(0, 20).map(Number))
      .groupBy('article_id')
      .execute();
    expect(new Set(runs.map((r) => r.types))).toEqual(
      new Set(['QUEUED,STARTED,STARTED,STEP_COMPLETED,STEP_COMPLETED,STEP_COMPLETED,COMPLETED']),
    );
  });

  it('moves 200 subscribers to the other API when one is killed behind HAProxy, each catching up by afterSeq', async () => {
    await setUp({ WORKER_CONCURRENCY: '250' });
    const ports = [await freePort(), await freePort()];
    // HAProxy connects from 127.0.0.1 and names each client in X-Forwarded-For.
    const apis = ports.map((port, i) =>
      spawnDistill('serve', { ...environment.env, PORT: String(port), WORKER_ID: `api-${i + 1}`, TRUSTED_PROXIES: '127.0.0.1' }),
    );
    children.push(...apis);
    await Promise.all(apis.map((a) => a.waitForLog((l) => typeof l.url === 'string')));
    const lb: LoadBalancer = await startHaproxy([`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`]);
    stoppers.push(() => lb.stop());
    const workers = await startTestSystem('real', { roles: { api: false, worker: true }, environment });
    stoppers.push(() => workers.stop());

    // SSE passes the balancer too.
    mock.setLatency(50);
    const first = await submit(lb.url, sampleArticle());
    const sse = await sseSubscribe(lb.url, ArticleEvents, { id: first.articleId, afterSeq: 0 });
    await sse.events.until((e) => e.articleEvents.type === 'COMPLETED', 20_000);
    await sse.close();

    mock.setLatency(3_000);
    const ids = (await submitMany(lb.url, 200, 'followed')).map((s) => s.articleId);
    // 25 clients on each of eight hosts: under MAX_CONNECTIONS_PER_CLIENT (50) each, not together.
    const followers: FollowedArticle[] = ids.map((id, i) =>
      followArticle(lb.url, id, { localAddress: `127.0.0.${2 + (i % 8)}` }),
    );
    stoppers.push(async () => void (await Promise.all(followers.map((f) => f.close()))));
    await until(
      async () => followers.filter((f) => f.events.some((e) => e.type === 'STARTED')).length,
      (n) => n === 200,
      30_000,
    );
    // Killed while most articles are still being written: their subscribers miss events.
    expect(followers.filter((f) => f.events.some((e) => e.type === 'COMPLETED')).length).toBeLessThan(50);

    apis[0]!.kill('SIGKILL');
    await apis[0]!.exited;
    await Promise.all(followers.map((f) => f.settled)).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${lb
          .log()
          .split('\n')
          .filter((l) => !/ 101 /.test(l))
          .slice(-40)
          .join('\n')}`,
      );
    });

    for (const f of followers) {
      const logged = f.events.filter((e) => isLogged(e.type));
      expect(logged.map((e) => e.type)).toEqual(COMPLETED_RUN);
      expect(logged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    // Round robin put about half on the API that died; each of those reconnected.
    expect(followers.filter((f) => f.connects === 2).length).toBeGreaterThan(50);
    await expectCompletedOnce(db, 201);
  });
});
