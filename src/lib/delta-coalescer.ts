/**
 * Coalesces a stream of text pieces into at most one emission per `intervalMs`: a piece after a
 * quiet interval leaves at once; pieces that follow within the interval leave together when it
 * ends. `end` emits what is pending (the stream is complete) as soon as the interval allows;
 * `discard` drops it (the stream failed).
 */
export function createDeltaCoalescer(intervalMs: number, emit: (text: string) => void) {
  let pending = '';
  let lastEmit = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let ended: (() => void) | undefined;
  const send = () => {
    timer = undefined;
    // A timer can fire early: libuv measures it from the loop's cached time, which lags on a busy process.
    // The wall clock, not the monotonic one: subscribers read the interval in the events' `at` stamps.
    const early = lastEmit + intervalMs - Date.now();
    if (early > 0) {
      timer = setTimeout(send, early);
      return;
    }
    if (pending !== '') {
      const text = pending;
      pending = '';
      lastEmit = Date.now();
      emit(text);
    }
    ended?.();
  };
  const schedule = () => {
    if (timer) return;
    const wait = lastEmit + intervalMs - Date.now();
    if (wait <= 0) send();
    else timer = setTimeout(send, wait);
  };
  return {
    push(text: string): void {
      pending += text;
      schedule();
    },
    /** Resolves once everything pushed has been emitted. */
    end(): Promise<void> {
      if (pending === '' && !timer) return Promise.resolve();
      return new Promise<void>((resolve) => {
        ended = resolve;
        schedule();
      });
    },
    discard(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = '';
    },
  };
}
