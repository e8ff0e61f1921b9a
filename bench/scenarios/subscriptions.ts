import { connect } from '@nats-io/transport-node';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { authHeaders, startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment, NATS_URL } from '../lib/environment.js';
import { runAll } from '../lib/load.js';
import { round, summarize } from '../lib/stats.js';

const QUERY = `subscription ($id: ID!) { articleEvents(id: $id) { seq type at progress article { id status } } }`;

/**
 * 5. Subscription latency: 1,000 graphql-ws subscriptions (10 sockets × 100) on one API process;
 * events published on NATS as a worker publishes them, 1,000 a second; latency from the event's
 * `at` to the frame arriving at the client.
 */
export async function benchSubscriptions(quick: boolean) {
  const subscribers = 1_000;
  const rounds = quick ? 5 : 20;
  const environment = await createBenchEnvironment();
  const distill = await startDistill(environment, { worker: false });
  const nc = await connect({ servers: NATS_URL });
  const ids: number[] = [];
  const latencies: number[] = [];
  const clients: ReturnType<typeof createClient>[] = [];
  try {
    await runAll(subscribers, 32, async (i) => void ids.push(await submitArticle(distill.apiUrl, i)));
    let snapshots = 0;
    let onSnapshot: () => void = () => {};
    const allSnapshots = new Promise<void>((resolve) => (onSnapshot = () => ++snapshots === subscribers && resolve()));
    for (let c = 0; c < 10; c++) {
      const client = createClient({
        url: `${distill.apiUrl.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        lazy: false,
        connectionParams: authHeaders(distill.apiUrl),
      });
      clients.push(client);
      for (const id of ids.slice(c * 100, c * 100 + 100)) {
        client.subscribe<{ articleEvents: { type: string; at: string } }>(
          { query: QUERY, variables: { id: String(id) } },
          {
            next: ({ data }) => {
              if (!data) return;
              if (data.articleEvents.type === 'SNAPSHOT') onSnapshot();
              else latencies.push(Date.now() - Date.parse(data.articleEvents.at));
            },
            error: () => {},
            complete: () => {},
          },
        );
      }
    }
    await allSnapshots;
    // 1,000 events a second, spread evenly (one every millisecond), as a busy fleet of workers would
    // produce them; a single burst would measure queueing behind the burst instead.
    const start = performance.now();
    let sent = 0;
    for (let r = 0; r < rounds; r++) {
      for (const id of ids) {
        const due = start + sent++;
        if (due - performance.now() > 1) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
        // Shaped like a worker's STEP_STARTED event (not logged, so no replay is involved).
        const event = {
          articleId: id,
          seq: 1,
          type: 'STEP_STARTED',
          at: new Date().toISOString(),
          jobId: null,
          step: 'SUMMARY',
          progress: 0,
          delta: null,
          error: null,
          article: {
            id,
            status: 'PROCESSING',
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
            processed_at: null,
          },
          job: null,
        };
        nc.publish(`${environment.namespace}.events.article.${id}`, JSON.stringify(event));
      }
    }
    await nc.flush();
    const expected = subscribers * rounds;
    const deadline = Date.now() + 10_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const s = summarize(latencies);
    return { subscribers, events: expected, received: latencies.length, p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await nc.close();
    await distill.stop();
    await environment.cleanup();
  }
}
