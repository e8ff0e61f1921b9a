import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Priority } from '../src/lib/vocabulary.js';
import { JetStreamWorkQueue, jobNames } from '../src/queue/jetstream.queue.js';
import { MemoryWorkQueue } from '../src/queue/memory.queue.js';
import type { Delivery, WorkQueue } from '../src/queue/work-queue.js';
import { deleteNamespace, hasRealServices, natsUrl, uniqueNamespace } from './support/services.js';

// Longer than any fetch below holds a delivery before settling it.
const ACK_WAIT_MS = 2_500;
const MAX_DELIVER = 3;

interface Adapter {
  queue: WorkQueue;
  publishRaw(priority: Priority, raw: string): Promise<void>;
  close(): Promise<void>;
}

const adapters: [string, () => Promise<Adapter>][] = [
  [
    'in-process',
    async () => {
      const queue = new MemoryWorkQueue({ namespace: uniqueNamespace(), ackWaitMs: ACK_WAIT_MS, maxDeliver: MAX_DELIVER });
      return { queue, publishRaw: async (p, raw) => queue.publishRaw(p, raw), close: () => queue.stop() };
    },
  ],
];
if (hasRealServices()) {
  adapters.push([
    'JetStream',
    async () => {
      const namespace = uniqueNamespace();
      const nc: NatsConnection = await connect({ servers: natsUrl() });
      const queue = new JetStreamWorkQueue(nc, { namespace, ackWaitMs: ACK_WAIT_MS, maxDeliver: MAX_DELIVER });
      await queue.start();
      return {
        queue,
        publishRaw: async (p, raw) => {
          nc.publish(jobNames(namespace).subject(p), raw);
          await nc.flush();
        },
        close: async () => {
          await queue.stop();
          await nc.close();
          await deleteNamespace(namespace);
        },
      };
    },
  ]);
}

async function take(queue: WorkQueue, priority: Priority, max: number, expiresMs = 1_000): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for await (const d of queue.fetch(priority, { max, expiresMs })) out.push(d);
  return out;
}

let counter = 0;
const job = (priority: Priority = 'NORMAL') => ({
  jobId: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  articleId: counter,
  priority,
});

describe.each(adapters)('WorkQueue contract: %s', (_name, create) => {
  let adapter: Adapter;
  let queue: WorkQueue;
  beforeAll(async () => {
    adapter = await create();
    queue = adapter.queue;
  });
  afterAll(() => adapter.close());

  it('delivers a published message once, with its payload, priority and enqueue time', async () => {
    const message = job('HIGH');
    const before = Date.now();
    await queue.publish(message);
    const [delivery, ...rest] = await take(queue, 'HIGH', 5);
    expect(rest).toHaveLength(0);
    expect(delivery!.message).toEqual(message);
    expect(delivery!.priority).toBe('HIGH');
    expect(delivery!.deliveryCount).toBe(1);
    expect(delivery!.enqueuedAt).toBeGreaterThanOrEqual(before - 50);
    await delivery!.ack();
    expect(await take(queue, 'HIGH', 1)).toHaveLength(0);
  });

  it('drops a second publish of the same job id', async () => {
    const message = job();
    await queue.publish(message);
    await queue.publish(message);
    const deliveries = await take(queue, 'NORMAL', 5);
    expect(deliveries.map((d) => d.message?.jobId)).toEqual([message.jobId]);
    await deliveries[0]!.ack();
  });

  it('delivers a job again under a new message id (a resumed job), once', async () => {
    const message = job();
    await queue.publish(message);
    const [first] = await take(queue, 'NORMAL', 5);
    await first!.ack();
    const again = { ...message, msgId: `${message.jobId}:resumed` };
    await queue.publish(message);
    await queue.publish(again);
    await queue.publish(again);
    const deliveries = await take(queue, 'NORMAL', 5);
    expect(deliveries.map((d) => d.message)).toEqual([again]);
    await deliveries[0]!.ack();
  });

  it('keeps priorities apart', async () => {
    const low = job('LOW');
    await queue.publish(low);
    expect(await take(queue, 'HIGH', 1)).toHaveLength(0);
    const [delivery] = await take(queue, 'LOW', 1);
    expect(delivery!.message?.jobId).toBe(low.jobId);
    await delivery!.ack();
  });

  it('redelivers after a nak with delay, counting the delivery', async () => {
    const message = job();
    await queue.publish(message);
    const [first] = await take(queue, 'NORMAL', 1);
    const nakAt = Date.now();
    first!.nak(1_200);
    const [second] = await take(queue, 'NORMAL', 1, 5_000);
    expect(Date.now() - nakAt).toBeGreaterThanOrEqual(1_000);
    expect(second!.message?.jobId).toBe(message.jobId);
    expect(second!.deliveryCount).toBe(2);
    await second!.ack();
  });

  it('redelivers a message nobody settled once the ack wait has passed', async () => {
    const message = job();
    await queue.publish(message);
    const [abandoned] = await take(queue, 'NORMAL', 1);
    expect(abandoned!.deliveryCount).toBe(1);
    const [again] = await take(queue, 'NORMAL', 1, ACK_WAIT_MS * 2);
    expect(again!.message?.jobId).toBe(message.jobId);
    expect(again!.deliveryCount).toBe(2);
    await again!.ack();
  });

  it('does not redeliver while working() heartbeats extend the lease', async () => {
    const message = job('LOW');
    await queue.publish(message);
    const [held] = await take(queue, 'LOW', 1);
    const heartbeat = setInterval(() => held!.working(), ACK_WAIT_MS / 3);
    try {
      // Two ack waits pass during this fetch; a redelivery would end it early.
      expect(await take(queue, 'LOW', 1, ACK_WAIT_MS * 2)).toHaveLength(0);
    } finally {
      clearInterval(heartbeat);
    }
    await held!.ack();
  });

  it('never redelivers a terminated message', async () => {
    await queue.publish(job('HIGH'));
    const [delivery] = await take(queue, 'HIGH', 1);
    delivery!.term();
    expect(await take(queue, 'HIGH', 1, ACK_WAIT_MS * 2)).toHaveLength(0);
  });

  it('stops redelivering after the delivery limit', async () => {
    await queue.publish(job('HIGH'));
    for (let i = 1; i <= MAX_DELIVER; i++) {
      const [d] = await take(queue, 'HIGH', 1, 5_000);
      expect(d!.deliveryCount).toBe(i);
      d!.nak(0);
    }
    expect(await take(queue, 'HIGH', 1, ACK_WAIT_MS * 2)).toHaveLength(0);
  });

  it('hands over an unparseable payload as a poison delivery instead of throwing', async () => {
    await adapter.publishRaw('NORMAL', 'this is not json');
    const [delivery] = await take(queue, 'NORMAL', 1, 5_000);
    expect(delivery!.message).toBeUndefined();
    expect(delivery!.raw).toBe('this is not json');
    delivery!.term();
  });

  it('reports pending and in-flight messages per priority', async () => {
    await queue.publish(job('LOW'));
    await queue.publish(job('LOW'));
    const [held] = await take(queue, 'LOW', 1);
    const low = (await queue.stats()).find((s) => s.priority === 'LOW')!;
    expect(low).toMatchObject({ pending: 1, inFlight: 1 });
    expect(low.oldestWaitMs).toBeGreaterThanOrEqual(0);
    await held!.ack();
    const [other] = await take(queue, 'LOW', 1);
    await other!.ack();
    // An ack is fire-and-forget (no confirmation round trip): the server counts it a moment later.
    await expect
      .poll(async () => (await queue.stats()).find((s) => s.priority === 'LOW'), { timeout: 5_000 })
      .toMatchObject({ pending: 0, inFlight: 0, oldestWaitMs: null });
  });
});
