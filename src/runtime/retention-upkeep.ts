import { purgeExpiredCacheEntries } from '../articles/step-cache.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { keepPartitions } from '../db/partitions.js';
import type { Logger } from '../lib/logger.js';

const EVERY_MS = 6 * 3_600_000;

/**
 * Retention upkeep now and every six hours, in every process: partition months are created ahead
 * and expired ones dropped (db/partitions.ts), and expired content-cache entries deleted. A failed
 * round is logged and left to the next one (months exist two ahead).
 */
export async function startRetentionUpkeep(db: Db, retention: Config['retention'], log: Logger) {
  let running: Promise<void> | undefined;
  const round = async () => {
    try {
      const upkeep = await keepPartitions(db, { article_events: retention.eventDays, llm_calls: retention.ledgerDays });
      if (upkeep && upkeep.created.length + upkeep.dropped.length > 0) log.info(upkeep, 'partitions kept');
      const purged = await purgeExpiredCacheEntries(db);
      if (purged > 0) log.info({ purged }, 'expired cache entries deleted');
    } catch (err) {
      log.error({ err }, 'retention upkeep failed; retried in the next round');
    }
  };
  await round();
  const timer = setInterval(() => (running = round()), EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
