import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { visibleTenant } from '../access/viewer.js';
import type { DirectFrames, GraphQLContext } from './context.js';

/**
 * Subscriptions whose events are the same for every subscriber with the same arguments and tenant;
 * `replayLast`: the latest result is the state (batch counts), so one who joins late starts from it.
 */
const SHAREABLE_FIELDS = new Map([
  ['articleFeed', { replayLast: false }],
  ['batchProgress', { replayLast: true }],
]);
/** A subscriber this many results behind is ended rather than buffered without bound. */
const MAX_BUFFERED = 10_000;

type Results = AsyncIterator<ExecutionResult>;

interface Sink {
  push(result: ExecutionResult): void;
  end(): void;
}

/** One execution of a subscription and the subscribers it feeds. */
interface Channel {
  sinks: Set<Sink>;
  /** The source once subscribed; an ExecutionResult when subscribing failed (nothing is shared then). */
  started: Promise<Results | ExecutionResult>;
  closed: boolean;
  pumping: boolean;
  replayLast: boolean;
  last?: ExecutionResult;
}

/**
 * Subscribers of a shareable subscription (one root field of SHAREABLE_FIELDS) with the same
 * document, operation, variables and tenant share one execution: the first one's subscription
 * runs, every result goes to all of them, and it is ended with the last of them. Per event, the
 * API then executes and serialises once, not once per subscriber, and writes each graphql-ws
 * subscriber's frame without a per-subscriber trip through the transport's async iteration.
 */
export function sharedSubscriptionsPlugin(): Plugin {
  const channels = new WeakMap<DocumentNode, Map<string, Channel>>();

  function shareableOf(args: ExecutionArgs): { key: string; replayLast: boolean } | undefined {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== 'subscription') return undefined;
    const fields = operation.selectionSet.selections;
    const field = fields.length === 1 && fields[0]!.kind === 'Field' ? SHAREABLE_FIELDS.get(fields[0]!.name.value) : undefined;
    if (!field) return undefined;
    const { viewer } = args.contextValue as GraphQLContext;
    return { key: JSON.stringify([args.operationName ?? '', visibleTenant(viewer), args.variableValues ?? {}]), ...field };
  }

  function open(
    byKey: Map<string, Channel>,
    key: string,
    replayLast: boolean,
    subscribe: () => Promise<Results | ExecutionResult>,
  ) {
    const channel: Channel = { sinks: new Set(), started: subscribe(), closed: false, pumping: false, replayLast };
    byKey.set(key, channel);
    void channel.started.then(
      (source) => isIterator(source) || close(byKey, key, channel),
      () => close(byKey, key, channel),
    );
    return channel;
  }

  /** Reads the source once its first subscriber is attached, and hands each result to every subscriber. */
  async function pump(byKey: Map<string, Channel>, key: string, channel: Channel, source: Results): Promise<void> {
    channel.pumping = true;
    try {
      for (let next = await source.next(); !next.done && !channel.closed; next = await source.next()) {
        if (channel.replayLast) channel.last = next.value;
        for (const sink of channel.sinks) sink.push(next.value);
      }
    } catch {
      // The source failed: its subscribers end (each client sees its subscription complete).
    } finally {
      close(byKey, key, channel);
      for (const sink of channel.sinks) sink.end();
    }
  }

  function close(byKey: Map<string, Channel>, key: string, channel: Channel): void {
    if (channel.closed) return;
    channel.closed = true;
    if (byKey.get(key) === channel) byKey.delete(key);
    void channel.started.then((source) => (isIterator(source) ? source.return?.() : undefined)).catch(() => {});
  }

  async function join(
    args: ExecutionArgs,
    subscribe: (args: ExecutionArgs) => unknown,
    shared: { key: string; replayLast: boolean },
  ) {
    const { key } = shared;
    let byKey = channels.get(args.document);
    if (!byKey) channels.set(args.document, (byKey = new Map()));
    let channel = byKey.get(key);
    if (!channel || channel.closed)
      channel = open(byKey, key, shared.replayLast, async () => (await subscribe(args)) as Results | ExecutionResult);
    const started = await channel.started;
    if (!isIterator(started)) return started;
    const joined = channel;
    const subscriber = subscriberOf(joined, (args.contextValue as GraphQLContext).frames, () => {
      if (joined.sinks.size === 0) close(byKey, key, joined);
    });
    if (!joined.pumping) void pump(byKey, key, joined, started);
    return subscriber;
  }

  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const shared = shareableOf(args);
      if (shared) setSubscribeFn((a) => join(a, subscribeFn, shared) as never);
    },
  };
}

function isIterator(value: Results | ExecutionResult): value is Results {
  return typeof (value as Results).next === 'function';
}

const serialised = new WeakMap<ExecutionResult, string>();
/** A result's JSON, serialised once however many subscribers receive it. */
function jsonOf(result: ExecutionResult): string {
  let json = serialised.get(result);
  if (json === undefined) serialised.set(result, (json = JSON.stringify(result)));
  return json;
}

/**
 * One subscriber's view of a channel: its own buffer; `return()` leaves at once, even while waiting.
 * A graphql-ws subscriber (`frames`) gets each result written to its socket directly, as the shared
 * JSON; results with errors, and everything on SSE, go through the iterator (and Yoga's masking).
 */
function subscriberOf(
  channel: Channel,
  frames: DirectFrames | undefined,
  left: () => void,
): AsyncIterableIterator<ExecutionResult> {
  const buffer: ExecutionResult[] = [];
  let waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    channel.sinks.delete(sink);
    buffer.length = 0;
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
    left();
  };
  const sink: Sink = {
    push(result) {
      if (frames && !result.errors && buffer.length === 0) {
        if (!frames.send(jsonOf(result))) finish();
      } else if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: result, done: false });
      } else if (buffer.length >= MAX_BUFFERED) finish();
      else buffer.push(result);
    },
    end: finish,
  };
  channel.sinks.add(sink);
  if (channel.last) sink.push(channel.last);
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: () => {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
