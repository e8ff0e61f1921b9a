import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { createTurnBatcher, type TurnBatcher } from '../lib/turn-batcher.js';
import { PRIORITIES, type Priority } from '../lib/vocabulary.js';
import {
  decodeJobMessage,
  type Delivery,
  type FetchOptions,
  type JobMessage,
  type PriorityQueueStats,
  type WorkQueue,
  type WorkQueueOptions,
} from './work-queue.js';

const DUPLICATE_WINDOW_MS = 120_000;
// Pull consumers default to 1,000 unacked messages; a fleet holds far more LLM calls in flight.
const MAX_ACK_PENDING = 50_000;

/** Stream, subject and consumer names for a namespace (several deployments can share one NATS). */
export function jobNames(namespace: string) {
  return {
    stream: `${namespace.toUpperCase()}_JOBS`,
    subject: (p: Priority) => `${namespace}.jobs.${p.toLowerCase()}`,
    consumer: (p: Priority) => `${namespace}_jobs_${p.toLowerCase()}`,
  };
}

/**
 * JetStream work queue: one WorkQueue-retention stream, one durable pull consumer per priority
 * subject (WorkQueue streams forbid overlapping consumer filters), explicit ack, msgID = job id.
 */
export class JetStreamWorkQueue implements WorkQueue {
  readonly kind = 'jetstream';
  private readonly names;
  private readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;
  private readonly open = new Set<{ stop(): void }>();
  /** Publishes and acks of one event-loop turn leave in one socket write (see createTurnBatcher). */
  private readonly outgoing = createTurnBatcher<() => void>((send) => send());
  private connected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: WorkQueueOptions,
  ) {
    this.names = jobNames(options.namespace);
    this.js = jetstream(nc);
  }

  async start(): Promise<void> {
    void this.watchConnection();
    const jsm = await jetstreamManager(this.nc);
    this.jsm = jsm;
    const stream: Partial<StreamConfig> & { name: string } = {
      name: this.names.stream,
      subjects: PRIORITIES.map((p) => this.names.subject(p)),
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: this.options.replicas ?? 1,
    };
    await jsm.streams.add(stream).catch(async () => jsm.streams.update(stream.name, stream));
    for (const priority of PRIORITIES) {
      const consumer: Partial<ConsumerConfig> & { durable_name: string } = {
        durable_name: this.names.consumer(priority),
        filter_subject: this.names.subject(priority),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.options.ackWaitMs),
        max_deliver: this.options.maxDeliver,
        max_ack_pending: MAX_ACK_PENDING,
      };
      await jsm.consumers
        .add(this.names.stream, consumer)
        .catch(async () => jsm.consumers.update(this.names.stream, consumer.durable_name, consumer));
    }
  }

  async publish(message: JobMessage): Promise<void> {
    // While disconnected a publish would wait out its timeout; the caller's outbox covers it at once.
    if (!this.connected) throw new Error('NATS is disconnected');
    const subject = this.names.subject(message.priority);
    await new Promise<void>((resolve, reject) =>
      this.outgoing.push(() => {
        this.js
          .publish(subject, JSON.stringify(message), { msgID: message.msgId ?? message.jobId })
          .then(() => resolve(), reject);
      }),
    );
  }

  async *fetch(priority: Priority, options: FetchOptions): AsyncIterable<Delivery> {
    const consumer = await this.js.consumers.get(this.names.stream, this.names.consumer(priority));
    const messages = await consumer.fetch({ max_messages: options.max, expires: Math.max(1_000, options.expiresMs) });
    this.open.add(messages);
    const stop = () => messages.stop();
    options.signal?.addEventListener('abort', stop);
    try {
      for await (const msg of messages) yield toDelivery(msg, priority, this.outgoing);
    } finally {
      options.signal?.removeEventListener('abort', stop);
      this.open.delete(messages);
    }
  }

  async stats(): Promise<PriorityQueueStats[]> {
    const jsm = this.jsm ?? (await jetstreamManager(this.nc));
    return Promise.all(
      PRIORITIES.map(async (priority) => {
        const info = await jsm.consumers.info(this.names.stream, this.names.consumer(priority));
        let oldestWaitMs: number | null = null;
        if (info.num_pending > 0) {
          // STREAM.MSG.GET accepts next_by_subj on the server (2.9+); the client's type omits it.
          const query = {
            next_by_subj: this.names.subject(priority),
            seq: info.ack_floor.stream_seq + 1,
          } as unknown as MsgRequest;
          const first = await jsm.streams.getMessage(this.names.stream, query).catch(() => null);
          if (first) oldestWaitMs = Math.max(0, Date.now() - first.time.getTime());
        }
        return {
          priority,
          pending: info.num_pending,
          inFlight: info.num_ack_pending,
          redelivered: info.num_redelivered,
          oldestWaitMs,
        };
      }),
    );
  }

  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      else if (status.type === 'reconnect') this.connected = true;
    }
  }

  async stop(): Promise<void> {
    this.outgoing.drain();
    for (const messages of this.open) messages.stop();
    this.open.clear();
  }
}

function toDelivery(msg: JsMsg, priority: Priority, outgoing: TurnBatcher<() => void>): Delivery {
  const raw = msg.string();
  return {
    message: decodeJobMessage(raw),
    raw,
    priority,
    deliveryCount: msg.info.deliveryCount,
    enqueuedAt: Math.floor(msg.info.timestampNanos / 1e6),
    // A plain ack: if it is lost (reconnect), the redelivered job is found finished and acked again,
    // so waiting for the server's confirmation (ackAck) would only cost a round trip per job.
    ack: () =>
      new Promise<void>((resolve, reject) =>
        outgoing.push(() => {
          try {
            msg.ack();
            resolve();
          } catch (err) {
            reject(err as Error);
          }
        }),
      ),
    nak: (delayMs) => msg.nak(delayMs),
    term: () => msg.term(),
    working: () => msg.working(),
  };
}
