import { rollUpMetrics } from '../articles/timeseries.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';

const EVERY_MS = 60_000;

/**
 * Rolls the time series up to the last complete minute, soon after start and every minute, in
 * every process (one at a time: the rollup takes an advisory lock; the others skip the round).
 * A failed round is logged and the next one goes on from where the rollups stopped.
 */
export function startRollupUpkeep(db: Db, log: Logger) {
  let running: Promise<void> | undefined;
  const round = async () => {
    try {
      const rolled = await rollUpMetrics(db);
      if (Object.keys(rolled).length > 0) log.debug({ rolled }, 'time series rolled up');
    } catch (err) {
      log.warn({ err }, 'time series rollup failed; the next round goes on from there');
    }
  };
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    running = round().finally(() => (busy = false));
  };
  // Not awaited: a first rollup over a long history must not hold the process's start.
  tick();
  const timer = setInterval(tick, EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
