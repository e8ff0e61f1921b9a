import type { Priority } from '../lib/vocabulary.js';

/** What travels on the queue: just enough to find the job in PostgreSQL. */
export interface JobMessage {
  jobId: string;
  articleId: number;
  priority: Priority;
  /** The queue's de-duplication id when not the job id: a resumed job is published again under a new one. */
  msgId?: string;
}

/**
 * One delivery of a message. The consumer must settle it exactly once: ack, nak or term.
 * `message` is undefined when the payload could not be parsed (a poison message).
 */
export interface Delivery {
  readonly message: JobMessage | undefined;
  readonly raw: string;
  readonly priority: Priority;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** When the message entered the queue (ms since epoch). */
  readonly enqueuedAt: number;
  /** Done: remove the message. Resolves once the queue has recorded it. */
  ack(): Promise<void>;
  /** Not now: deliver again after `delayMs`. */
  nak(delayMs: number): void;
  /** Never again: remove without redelivery (the failure is recorded elsewhere). */
  term(): void;
  /** Still working: extend the lease by another ack wait. */
  working(): void;
}

export interface FetchOptions {
  max: number;
  /** How long to wait for messages before the batch ends (JetStream's minimum is 1 s). */
  expiresMs: number;
  /** Ends the fetch early (shutdown). Deliveries already yielded stay the caller's to settle. */
  signal?: AbortSignal;
}

export interface PriorityQueueStats {
  priority: Priority;
  pending: number;
  inFlight: number;
  redelivered: number;
  oldestWaitMs: number | null;
}

export interface WorkQueueOptions {
  namespace: string;
  ackWaitMs: number;
  /** Deliveries after which the queue stops redelivering on its own. */
  maxDeliver: number;
  /** Copies of the queue a cluster keeps (JetStream's stream replicas); 1 by default. */
  replicas?: number;
}

/** The job queue port: JetStream in production, in-process by default. */
export interface WorkQueue {
  readonly kind: 'jetstream' | 'memory';
  /** Creates the stream and consumers if needed. */
  start(): Promise<void>;
  /** Enqueues; a second publish of the same jobId within the duplicate window is dropped. */
  publish(message: JobMessage): Promise<void>;
  /** Yields up to `max` deliveries of one priority as they arrive; ends at `max` or after `expiresMs`. */
  fetch(priority: Priority, options: FetchOptions): AsyncIterable<Delivery>;
  stats(): Promise<PriorityQueueStats[]>;
  stop(): Promise<void>;
}

/** Parses a queue payload; undefined for anything that is not a well-formed JobMessage. */
export function decodeJobMessage(raw: string): JobMessage | undefined {
  try {
    const value = JSON.parse(raw) as Partial<JobMessage>;
    if (
      typeof value.jobId === 'string' &&
      typeof value.articleId === 'number' &&
      (value.priority === 'HIGH' || value.priority === 'NORMAL' || value.priority === 'LOW')
    ) {
      const message: JobMessage = { jobId: value.jobId, articleId: value.articleId, priority: value.priority };
      if (typeof value.msgId === 'string') message.msgId = value.msgId;
      return message;
    }
  } catch {
    // fall through: poison
  }
  return undefined;
}
