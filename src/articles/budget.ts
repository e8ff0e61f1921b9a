import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import { BudgetExhaustedError } from '../lib/errors.js';
import { createGroupCommit } from '../lib/group-commit.js';
import type { Logger } from '../lib/logger.js';
import type { Priority } from '../lib/vocabulary.js';
import type { BudgetAlert } from '../notify/alert-sender.js';

export type { BudgetAlert } from '../notify/alert-sender.js';
import {
  expireReservations,
  listBudgets,
  readBudget,
  readBudgetSpend,
  writeBudget,
  type AlertRow,
  recordBudgetAlerts,
  releaseReservation,
  reserveBudget,
  resumePausedJobs,
  type Reservation,
} from './sql/budget.sql.js';
import { publishEvents, LoggedEvent } from './event-publish.js';

/** The global budget's scope; a tenant's budget is scoped by the tenant's name. */
export const GLOBAL_SCOPE = '*';
/** Told on the bus when a budget was set: every process reloads the limits. */
export const BUDGET_CHANGED_TOPIC = 'budget.changed';
/** A budget threshold crossed (BudgetAlert), for `budgetAlerts` subscribers. */
export const BUDGET_ALERT_TOPIC = 'budget.alert';

export interface BudgetSettings {
  /** Fractions of a limit that raise an alert, once per month each (0.8: at 80 %). */
  alertThresholds: number[];
  /** Priorities whose jobs pause when a budget is spent; the others run on (and may overshoot). */
  pausePriorities: readonly Priority[];
  /** Outbox kinds each alert is delivered by (`alert` for the bus and log, `alert.webhook`, `alert.email`). */
  alertKinds: string[];
}

const RELOAD_MS = 30_000;
const RESUME_BATCH = 500;
const BATCH_MAX = 500;
/** Thresholds are checked at most this often per process: an alert is a second late, not a statement per booked batch. */
const ALERT_CHECK_MS = 1_000;

/**
 * Monthly budgets in a worker: before a call its estimate is reserved against the budgets of the
 * article's tenant and the global one (a call that would pass a limit pauses its job instead);
 * the statement that books the call turns the reservation into spend. Limits are held in memory,
 * reloaded when any process sets one and every 30 s; an article with no budget over it costs
 * nothing here.
 */
export function createBudgetGuard(deps: { db: Db; bus: EventBus; log: Logger; settings: BudgetSettings }) {
  const { db, bus, log, settings } = deps;
  let limits = new Map<string, number>();
  const reserveOne = createGroupCommit({
    write: (reservations: Reservation[]) => reserveBudget(db, reservations),
    key: (r) => `${r.jobId}:${r.step}`,
    maxBatch: BATCH_MAX,
  });
  let alertScopes = new Set<string>();
  let refusedScopes = new Set<string>();
  let alertCheck: Promise<void> | undefined;

  const reload = async () => {
    limits = new Map((await listBudgets(db)).map((b) => [b.scope, b.limitUsd]));
  };
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  async function checkAlerts(): Promise<void> {
    const scopes = [...alertScopes];
    const refused = [...refusedScopes];
    alertScopes = new Set();
    refusedScopes = new Set();
    try {
      const alerts = await recordBudgetAlerts(db, scopes, settings.alertThresholds, settings.alertKinds, refused);
      for (const a of alerts)
        log.warn({ scope: a.scope, threshold: a.threshold, spentUsd: a.spent_usd }, 'budget threshold reached');
    } catch (err) {
      log.warn({ err }, 'budget alert check failed; checked again after the next booked call');
    }
  }

  /** Checks the scopes' thresholds within ALERT_CHECK_MS (coalesced, off the jobs' path). */
  function scheduleAlertCheck(scopes: string[]): void {
    for (const scope of scopes) alertScopes.add(scope);
    alertCheck ??= new Promise<void>((resolve) => setTimeout(resolve, ALERT_CHECK_MS).unref())
      .then(checkAlerts)
      .finally(() => (alertCheck = undefined));
  }

  return {
    async start(): Promise<void> {
      await reload();
      unsubscribe = await bus.subscribe(BUDGET_CHANGED_TOPIC, () => void reload().catch(() => {}));
      timer = setInterval(() => void reload().catch(() => {}), RELOAD_MS);
      timer.unref();
    },
    stop(): Promise<void> | undefined {
      clearInterval(timer);
      unsubscribe?.();
      return alertCheck;
    },

    /** The budgets over an article of this tenant (none: no reservation needed). */
    scopesFor(tenantId: string): string[] {
      return [GLOBAL_SCOPE, tenantId].filter((scope) => limits.has(scope));
    },

    /**
     * Reserves a call's estimate; resolves with the reservation's id. Throws BudgetExhaustedError
     * when it would take a budget past its limit and the priority pauses.
     */
    async reserve(r: { scopes: string[]; priority: Priority; usd: number; jobId: string; step: string; ttlMs: number }) {
      const outcome = await reserveOne({
        scopes: r.scopes,
        usd: r.usd,
        force: !settings.pausePriorities.includes(r.priority),
        jobId: r.jobId,
        step: r.step,
        ttlMs: r.ttlMs,
      });
      if ('over' in outcome) {
        refusedScopes.add(outcome.over);
        scheduleAlertCheck([outcome.over]);
        throw new BudgetExhaustedError(outcome.over);
      }
      return outcome.id;
    },

    release: (id: number) => releaseReservation(db, id),

    /** A reserved call was booked: its scopes' thresholds are checked. */
    booked: (scopes: string[]) => scheduleAlertCheck(scopes),
  };
}

export type BudgetGuard = ReturnType<typeof createBudgetGuard>;

/**
 * Resumes PAUSED_BUDGET jobs whose budgets have room again: when a budget is raised (`now()`)
 * and every `intervalMs` (the month turns), after expiring the reservations of lost workers' calls.
 * Runs in every process; the statements are safe to race.
 */
export function createBudgetResumer(deps: { db: Db; bus: EventBus; log: Logger; intervalMs: number }) {
  const { db, bus, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function resumeAll(): Promise<number> {
    const expired = await expireReservations(db);
    if (expired > 0) log.warn({ expired }, 'budget reservations of lost calls expired');
    let total = 0;
    for (;;) {
      const rows = await resumePausedJobs(db, RESUME_BATCH);
      publishEvents(
        bus,
        rows.map((row) => new LoggedEvent(row.id, row.payload)),
      );
      total += rows.length;
      if (rows.length < RESUME_BATCH) break;
    }
    if (total > 0) log.info({ resumed: total }, 'paused jobs resumed: their budgets have room');
    return total;
  }

  const tick = () => {
    running ??= resumeAll()
      .catch((err: unknown) => {
        log.warn({ err }, 'resuming paused jobs failed; tried again next round');
        return 0;
      })
      .finally(() => (running = undefined));
  };
  return {
    start(): void {
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
    },
    /** Resumes what has room now; resolves with how many jobs were resumed. */
    now: (): Promise<number> => {
      tick();
      return running!;
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

/** A budget as the API shows it. */
export interface BudgetView {
  scope: string;
  month: string;
  /** Null: no budget set (spend is still reported). */
  limitUsd: number | null;
  spentUsd: number;
  reservedUsd: number;
  /** This month's spend so far, extended at its average daily rate to the month's end. */
  forecastUsd: number;
  /** UNLIMITED, OK, ALERT (past the first alert threshold) or EXHAUSTED (calls turned away: jobs paused). */
  state: 'UNLIMITED' | 'OK' | 'ALERT' | 'EXHAUSTED';
  pausedJobs: number;
}

/** Reading and setting budgets (the API); setting one resumes the jobs it makes room for. */
export function createBudgetService(deps: {
  db: Db;
  bus: EventBus;
  resumer: { now(): Promise<number> };
  alertThresholds: number[];
}) {
  const { db, bus } = deps;
  async function read(scope: string): Promise<BudgetView> {
    const row = await readBudget(db, scope);
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const elapsed = Math.max(now.getTime() - monthStart, 3_600_000);
    const limit = row.limit_usd;
    const used = row.spent_usd + row.reserved_usd;
    const firstAlert = deps.alertThresholds[0] ?? 1;
    return {
      scope,
      month: new Date(monthStart).toISOString().slice(0, 7),
      limitUsd: limit,
      spentUsd: row.spent_usd,
      reservedUsd: row.reserved_usd,
      forecastUsd: (row.spent_usd * (monthEnd - monthStart)) / elapsed,
      state:
        limit === null
          ? 'UNLIMITED'
          : used >= limit || row.paused_jobs > 0
            ? 'EXHAUSTED'
            : row.spent_usd >= firstAlert * limit
              ? 'ALERT'
              : 'OK',
      pausedJobs: row.paused_jobs,
    };
  }
  return {
    read,
    /** Sets a scope's monthly limit (null removes it); every process reloads, and paused jobs with room resume. */
    async set(scope: string, limitUsd: number | null): Promise<BudgetView> {
      await writeBudget(db, scope, limitUsd);
      bus.publish(BUDGET_CHANGED_TOPIC, { scope });
      await deps.resumer.now();
      return read(scope);
    },
    /** Every budget set, with this month's spend (for the metrics). */
    list: async () => (await readBudgetSpend(db)).map((r) => ({ scope: r.scope, limitUsd: r.limit_usd, spentUsd: r.spent_usd })),
    /** The global budget from config, unless one was set already (through the API, which then wins). */
    seedGlobal: (limitUsd: number) => writeBudget(db, GLOBAL_SCOPE, limitUsd, { onlyIfMissing: true }),
  };
}

export type BudgetService = ReturnType<typeof createBudgetService>;

/** An alert as recorded (an outbox row's payload) in the form every channel sends. */
export function toBudgetAlert(payload: unknown): BudgetAlert {
  const row = payload as Omit<AlertRow, 'created_at'> & { created_at: string };
  return {
    id: `${row.scope}:${row.month}:${row.threshold}`,
    scope: row.scope,
    month: row.month,
    threshold: Number(row.threshold),
    limitUsd: Number(row.limit_usd),
    spentUsd: Number(row.spent_usd),
    at: new Date(row.created_at).toISOString(),
  };
}
