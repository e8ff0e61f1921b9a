/**
 * Collects items during one turn of the event loop and hands them over together on the next
 * (setImmediate). The NATS client writes to its socket once per microtask queue, and every I/O
 * callback has its own, so a worker finishing steps of many jobs in one turn would otherwise pay
 * a socket write per job. On loopback those writes are a large share of a worker's CPU.
 */
export interface TurnBatcher<T> {
  push(item: T): void;
  /** Hands over what is pending now (before a flush or shutdown). */
  drain(): void;
}

/** `send` must not throw: it runs from setImmediate, where nobody could catch it. */
export function createTurnBatcher<T>(send: (item: T) => void): TurnBatcher<T> {
  let pending: T[] = [];
  const drain = (): void => {
    const items = pending;
    pending = [];
    for (const item of items) send(item);
  };
  return {
    push(item) {
      if (pending.length === 0) setImmediate(drain);
      pending.push(item);
    },
    drain,
  };
}
