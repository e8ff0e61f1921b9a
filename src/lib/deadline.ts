/**
 * Runs `work` with a signal that aborts when `parent` does (cancel, shutdown) or after `ms`, with a
 * TimeoutError reason like AbortSignal.timeout's. One controller and one timer, both released when
 * `work` settles: AbortSignal.any + AbortSignal.timeout cost several times the memory, and a worker
 * holds one per LLM call in flight. Non-streaming SDK calls use the SDK's own timer instead.
 */
export async function withDeadline<T>(
  parent: AbortSignal | undefined,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')), ms);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}
