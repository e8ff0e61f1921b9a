import { connect } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { EVENT_VERSION } from '../../src/articles/article-event.js';
import { authHeaders, startDistill } from '../lib/distill.js';
import { createBenchEnvironment, NATS_URL, type BenchEnvironment } from '../lib/environment.js';
import { cpuMs } from '../lib/proc.js';
import { round, summarize } from '../lib/stats.js';

const QUERY = `subscription { articleFeed { seq type at progress article { id title status priority updatedAt } job { id state attempt } } }`;
const SEQ = Buffer.from('"seq":');

/**
 * A minimal graphql-transport-ws client: one socket, one articleFeed subscription; per frame it only
 * reads `seq` (so the bench process, not the API, is what stays cheap) and notes the arrival time.
 */
function feedClient(url: string, headers: Record<string, string>, onFrame: (seq: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: headers })));
    socket.on('error', reject);
    let acknowledged = false;
    socket.on('message', (data: Buffer) => {
      if (!acknowledged) {
        acknowledged = data.includes('"connection_ack"');
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        resolve(socket);
        return;
      }
      // The digits after "seq": without decoding the frame.
      let at = data.indexOf(SEQ);
      if (at < 0) return;
      let seq = 0;
      for (at += SEQ.length; data[at]! >= 48 && data[at]! <= 57; at++) seq = seq * 10 + data[at]! - 48;
      onFrame(seq);
    });
  });
}

/**
 * Feed fan-out: 1,000 dashboard clients (one graphql-ws socket each) on `articleFeed` of one API
 * process; events published on NATS as a worker publishes them. Latency is from the publish to the
 * frame reaching the last of the 1,000 clients. Single events (spaced 100 ms apart), then a
 * sustained 100 events/s: does the API keep up (every frame delivered, latency flat)?
 */
export async function benchFeed(quick: boolean) {
  const environment = await createBenchEnvironment();
  const distill = await startDistill(environment, { worker: false });
  try {
    return await measureFeed(quick, environment, distill.apiUrl, distill.api.child.pid!);
  } finally {
    await distill.stop();
    await environment.cleanup();
  }
}

/** The feed load against a running API (`bench/micro/feed-profile.ts` runs it on a profiled one). */
export async function measureFeed(quick: boolean, environment: BenchEnvironment, apiUrl: string, apiPid: number) {
  const subscribers = 1_000;
  const nc = await connect({ servers: NATS_URL });
  const sockets: WebSocket[] = [];
  // seq → publish time, clients reached so far, and who waits for the last of them.
  const pending = new Map<number, { at: number; reached: number; last: number; done?: () => void }>();
  const onFrame = (seq: number) => {
    const p = pending.get(seq);
    if (!p) return;
    p.reached++;
    p.last = performance.now();
    if (p.reached === subscribers) p.done?.();
  };
  let seq = 0;
  const publish = () => {
    const s = ++seq;
    const now = new Date().toISOString();
    const id = 1_000_000 + s;
    // Shaped like a worker's STEP_COMPLETED event of the bench tenant.
    const event = {
      v: EVENT_VERSION,
      articleId: id,
      seq: s,
      type: 'STEP_COMPLETED',
      at: now,
      jobId: null,
      step: 'SUMMARY',
      progress: 1 / 3,
      delta: null,
      error: null,
      article: {
        id,
        tenantId: 'bench',
        title: `Story ${s}`,
        sourceUrl: 'https://news.example.com/a',
        contentHash: 'x',
        priority: 'NORMAL',
        status: 'PROCESSING',
        summary: null,
        keywords: null,
        sentiment: null,
        error: null,
        version: 3,
        eventSeq: s,
        batchId: null,
        createdAt: now,
        updatedAt: now,
        processedAt: null,
      },
      job: null,
    };
    pending.set(s, { at: performance.now(), reached: 0, last: 0 });
    nc.publish(`${environment.namespace}.events.article.${id}`, JSON.stringify(event));
    return s;
  };
  // Resolves when every client has the event, or at the timeout: an event, not a polling loop that
  // would keep the bench's core busy while the API writes.
  const awaitReached = async (s: number, timeoutMs: number) => {
    const p = pending.get(s)!;
    if (p.reached < subscribers) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        p.done = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    return p;
  };
  try {
    const url = `${apiUrl.replace('http', 'ws')}/graphql`;
    for (let i = 0; i < subscribers; i += 50)
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, subscribers - i) }, () => feedClient(url, authHeaders(apiUrl), onFrame)),
        )),
      );
    // Until every client's subscription is live on the server.
    for (;;) {
      const s = publish();
      if ((await awaitReached(s, 500)).reached === subscribers) break;
    }

    const single: number[] = [];
    for (let i = 0; i < (quick ? 30 : 100); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const p = await awaitReached(publish(), 5_000);
      if (p.reached === subscribers) single.push(p.last - p.at);
    }

    const rate = 100;
    const seconds = quick ? 5 : 15;
    const first = seq + 1;
    const cpuBefore = { api: cpuMs(apiPid), bench: process.cpuUsage() };
    const start = performance.now();
    for (let i = 0; i < rate * seconds; i++) {
      const due = start + (i * 1_000) / rate;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      publish();
    }
    await nc.flush();
    await awaitReached(seq, 10_000);
    const wallMs = performance.now() - start;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    // Share of one core while the sustained events went out and arrived: the API's, and the clients'.
    const cpuShare = {
      api: round((cpuMs(apiPid) - cpuBefore.api) / wallMs, 2),
      clients: round((benchCpu.user + benchCpu.system) / 1000 / wallMs, 2),
    };
    const sustained: number[] = [];
    let delivered = 0;
    for (let s = first; s <= seq; s++) {
      const p = pending.get(s)!;
      delivered += p.reached;
      if (p.reached === subscribers) sustained.push(p.last - p.at);
    }
    const tail = sustained.slice(-rate);
    const a = summarize(single);
    const b = summarize(sustained);
    return {
      subscribers,
      single: { events: single.length, p50: round(a.p50), p99: round(a.p99), max: round(a.max) },
      sustained: {
        eventsPerSecond: rate,
        seconds,
        frames: delivered,
        expectedFrames: rate * seconds * subscribers,
        p50: round(b.p50),
        p99: round(b.p99),
        lastSecondP50: round(summarize(tail).p50),
        cpuShare,
      },
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await nc.close();
  }
}
