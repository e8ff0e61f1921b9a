import { visibleTenant } from '../../access/viewer.js';
import type { CostGroup as CostGroupShape, CostReport as CostReportShape } from '../../articles/cost-report.repository.js';
import { requiresScope } from '../operation-guard.js';
import { builder } from './builder.js';
import { argumentError } from './connection.js';

const MAX_DAYS = 366;

const CostGroup = builder.objectRef<CostGroupShape>('CostGroup').implement({
  description: 'The ledger of one step, model or prompt version.',
  fields: (t) => ({
    key: t.exposeString('key'),
    usd: t.exposeFloat('usd'),
    tokens: t.exposeInt('tokens'),
    calls: t.exposeInt('calls'),
    cachedCalls: t.exposeInt('cachedCalls', { description: 'Calls answered from the content cache, at cost 0.' }),
    savedUsd: t.exposeFloat('savedUsd'),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', { nullable: true, description: 'Over the calls actually made.' }),
    avgUsdPerCall: t.exposeFloat('avgUsdPerCall', { nullable: true, description: 'Over the calls actually made.' }),
  }),
});

const CostReport = builder.objectRef<CostReportShape>('CostReport').implement({
  description: 'What the LLM calls of the last `days` days cost (the viewer’s tenant; admins: every tenant).',
  fields: (t) => ({
    days: t.exposeInt('days'),
    totalUsd: t.exposeFloat('totalUsd'),
    totalTokens: t.exposeInt('totalTokens'),
    calls: t.exposeInt('calls'),
    cachedCalls: t.exposeInt('cachedCalls'),
    savedUsd: t.exposeFloat('savedUsd', { description: 'What the cached answers would have cost.' }),
    unpricedCalls: t.exposeInt('unpricedCalls', { description: 'Calls of models with no known price: not in totalUsd.' }),
    articles: t.exposeInt('articles'),
    dailyAverageUsd: t.exposeFloat('dailyAverageUsd'),
    avgPerArticleUsd: t.exposeFloat('avgPerArticleUsd'),
    byStep: t.field({ type: [CostGroup], resolve: (r) => r.byStep }),
    byModel: t.field({ type: [CostGroup], resolve: (r) => r.byModel }),
    byPromptVersion: t.field({
      type: [CostGroup],
      description: 'Per step and prompt version (`SUMMARY:v1`): compare the cost and latency of prompt versions.',
      resolve: (r) => r.byPromptVersion,
    }),
  }),
});

builder.queryFields((t) => ({
  costReport: t.field({
    type: CostReport,
    extensions: requiresScope('articles:read'),
    args: { days: t.arg.int({ defaultValue: 30 }) },
    resolve: (_root, { days }, ctx) => {
      const n = days ?? 30;
      if (n < 1 || n > MAX_DAYS) throw argumentError('days', `must be between 1 and ${MAX_DAYS}`);
      return ctx.costs.report(n, visibleTenant(ctx.viewer));
    },
  }),
}));
