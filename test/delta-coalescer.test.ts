import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeltaCoalescer } from '../src/lib/delta-coalescer.js';

describe('delta coalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('sends the first piece at once, then at most once per interval everything that arrived meanwhile', () => {
    const sent: string[] = [];
    const coalescer = createDeltaCoalescer(50, (text) => sent.push(text));
    coalescer.push('The ');
    expect(sent).toEqual(['The ']);
    coalescer.push('company ');
    vi.advanceTimersByTime(30);
    coalescer.push('reported ');
    vi.advanceTimersByTime(19);
    expect(sent).toEqual(['The ']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['The ', 'company reported ']);
    vi.advanceTimersByTime(500);
    coalescer.push('record ');
    expect(sent).toEqual(['The ', 'company reported ', 'record ']);
  });

  it('holds a piece whose timer fires before the interval has passed on the clock', () => {
    // Node measures a timer from the event loop's cached time, which lags the clock on a busy
    // process: the timer can fire while less than the interval has passed since the last send.
    let clock = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const sent: string[] = [];
    const coalescer = createDeltaCoalescer(50, (text) => sent.push(text));
    coalescer.push('The ');
    coalescer.push('company ');
    clock = 42;
    vi.advanceTimersByTime(50);
    expect(sent).toEqual(['The ']);
    clock = 50;
    vi.advanceTimersByTime(8);
    expect(sent).toEqual(['The ', 'company ']);
  });

  it('ends by sending what is pending once the interval allows, and discards it after a failure', async () => {
    const sent: string[] = [];
    const coalescer = createDeltaCoalescer(50, (text) => sent.push(text));
    coalescer.push('Profits ');
    coalescer.push('rose.');
    const ended = coalescer.end();
    vi.advanceTimersByTime(49);
    expect(sent).toEqual(['Profits ']);
    vi.advanceTimersByTime(1);
    await ended;
    expect(sent).toEqual(['Profits ', 'rose.']);
    await coalescer.end();

    vi.advanceTimersByTime(10);
    coalescer.push('half a sent');
    coalescer.discard();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual(['Profits ', 'rose.']);
  });
});
