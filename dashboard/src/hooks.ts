import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, connection, request, type ConnectionStatus } from './api.js';
import type { TypedDocumentString } from './generated/graphql.js';

export function useConnection(): ConnectionStatus {
  const [status, setStatus] = useState(connection.get());
  useEffect(() => connection.subscribe(() => setStatus(connection.get())), []);
  return status;
}

export interface QueryState<R> {
  data: R | undefined;
  error: ApiError | undefined;
  loading: boolean;
  refetch: () => void;
}

/**
 * A query that runs when its variables change, every `pollMs` if given, and again after the live
 * connection comes back (the view catches up with what it missed).
 */
export function useQuery<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  options: { pollMs?: number } = {},
): QueryState<R> {
  const [state, setState] = useState<{ data?: R; error?: ApiError; loading: boolean }>({ loading: true });
  const key = JSON.stringify(variables);
  const latest = useRef(0);
  const { reconnects } = useConnection();

  const run = useCallback(() => {
    const id = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    request(document, JSON.parse(key) as V).then(
      (data) => id === latest.current && setState({ data, loading: false }),
      (error: ApiError) => id === latest.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [document, key]);

  useEffect(() => {
    run();
    if (!options.pollMs) return;
    const timer = setInterval(run, options.pollMs);
    return () => clearInterval(timer);
  }, [run, options.pollMs, reconnects]);

  return { data: state.data, error: state.error, loading: state.loading, refetch: run };
}

/** Re-renders every `ms` (ages such as "heartbeat 2 s ago" keep counting). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The hash route: `#/articles/42` → ['articles', '42']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
