import { visibleTenant } from '../../access/viewer.js';
import {
  BUDGET_ALERT_TOPIC,
  GLOBAL_SCOPE,
  type BudgetAlert as BudgetAlertShape,
  type BudgetView,
} from '../../articles/budget.js';
import type { EventBus } from '../../events/event-bus.js';
import { InputValidationError } from '../../lib/errors.js';
import { requiresScope } from '../operation-guard.js';
import { builder } from './builder.js';
import { argumentError } from './connection.js';

const Budget = builder.objectRef<BudgetView>('Budget').implement({
  description:
    'A monthly LLM budget (UTC months): the global one (scope `*`) or a tenant’s. Before each call its most possible cost is reserved; a call that would pass the limit pauses its job (LOW and NORMAL by default) until the budget is raised or the month turns.',
  fields: (t) => ({
    scope: t.exposeString('scope', { description: '`*` for the global budget, otherwise the tenant.' }),
    month: t.exposeString('month', { description: 'YYYY-MM (UTC).' }),
    limitUsd: t.exposeFloat('limitUsd', { nullable: true, description: 'Null: no budget set.' }),
    spentUsd: t.exposeFloat('spentUsd'),
    reservedUsd: t.exposeFloat('reservedUsd', { description: 'Held for calls in flight (their most possible cost).' }),
    forecastUsd: t.exposeFloat('forecastUsd', {
      description: 'This month’s spend extended at its daily rate to the month’s end.',
    }),
    state: t.exposeString('state', {
      description: 'UNLIMITED, OK, ALERT (past the first alert threshold) or EXHAUSTED (calls turned away, jobs paused).',
    }),
    pausedJobs: t.exposeInt('pausedJobs', { description: 'Jobs in PAUSED_BUDGET waiting for room.' }),
  }),
});

const BudgetAlert = builder.objectRef<BudgetAlertShape>('BudgetAlert').implement({
  description: 'A budget threshold crossed: sent once per scope, month and threshold.',
  fields: (t) => ({
    id: t.exposeID('id'),
    scope: t.exposeString('scope'),
    month: t.exposeString('month'),
    threshold: t.exposeFloat('threshold', { description: 'The fraction of the limit reached (0.8: 80 %).' }),
    limitUsd: t.exposeFloat('limitUsd'),
    spentUsd: t.exposeFloat('spentUsd'),
    at: t.field({ type: 'DateTime', resolve: (a) => new Date(a.at) }),
  }),
});

const SetBudgetInput = builder.inputType('SetBudgetInput', {
  fields: (t) => ({
    tenant: t.string({ description: 'The tenant whose budget this is; omitted: the global budget.' }),
    limitUsd: t.float({ description: 'The monthly limit in USD; null removes the budget.' }),
  }),
});

builder.queryFields((t) => ({
  budget: t.field({
    type: Budget,
    description: 'Your tenant’s budget this month; admins read the global one, or a tenant’s with `tenant`.',
    extensions: requiresScope('articles:read'),
    args: { tenant: t.arg.string() },
    resolve: (_root, { tenant }, ctx) => {
      const own = visibleTenant(ctx.viewer);
      if (own !== null && tenant != null && tenant !== own)
        throw argumentError('tenant', 'only admins read another tenant’s budget');
      return ctx.budgets.read(own ?? tenant ?? GLOBAL_SCOPE);
    },
  }),
}));

builder.mutationFields((t) => ({
  setBudget: t.field({
    type: Budget,
    description: 'Sets a monthly budget (admin). Raising it resumes the jobs it paused.',
    extensions: requiresScope('admin'),
    args: { input: t.arg({ type: SetBudgetInput, required: true }) },
    errors: { types: [InputValidationError], union: { name: 'SetBudgetResult' } },
    resolve: (_root, { input }, ctx) => {
      const limit = input.limitUsd ?? null;
      if (limit !== null && !(Number.isFinite(limit) && limit >= 0))
        throw new InputValidationError([
          { path: ['limitUsd'], message: 'must be 0 or more (USD per month), or null to remove the budget' },
        ]);
      const tenant = input.tenant?.trim();
      if (tenant === '' || tenant === GLOBAL_SCOPE)
        throw new InputValidationError([
          { path: ['tenant'], message: 'must name a tenant, or be omitted for the global budget' },
        ]);
      return ctx.budgets.set(tenant ?? GLOBAL_SCOPE, limit);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  budgetAlerts: t.field({
    type: BudgetAlert,
    description: 'Budget thresholds as they are crossed: your tenant’s (admins: every budget’s, the global one too).',
    extensions: requiresScope('articles:read'),
    subscribe: (_root, _args, ctx) => alertStream(ctx.bus, visibleTenant(ctx.viewer)),
    resolve: (alert) => alert,
  }),
}));

/** The alerts published on the bus from now on, for one tenant (null: all). */
async function alertStream(bus: EventBus, tenant: string | null): Promise<AsyncIterableIterator<BudgetAlertShape>> {
  const buffer: BudgetAlertShape[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const unsubscribe = await bus.subscribe(BUDGET_ALERT_TOPIC, (_topic, payload) => {
    const alert = payload as BudgetAlertShape;
    if (tenant !== null && alert.scope !== tenant) return;
    buffer.push(alert);
    wake?.();
  });
  const iterator: AsyncIterableIterator<BudgetAlertShape> = {
    async next() {
      while (!done && buffer.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      if (done) return { value: undefined, done: true };
      return { value: buffer.shift()!, done: false };
    },
    async return() {
      done = true;
      unsubscribe();
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
