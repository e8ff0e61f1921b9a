import { z } from 'zod';
import { STEP_NAMES, type StepName } from '../lib/vocabulary.js';
import { parseRoute, type LlmRoute } from './llm-route.js';

const priceSchema = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

/** USD per million tokens, per model. */
export type ModelPrices = z.infer<typeof priceSchema>;

const rateLimitSchema = z.record(
  z.string().regex(/^(openai|anthropic)(:[^\s,]+)?$/),
  z.object({ rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional() }).strict(),
);

/** Requests and tokens per minute, by `provider:model` or by `provider`, shared by every worker. */
export type RateLimits = z.infer<typeof rateLimitSchema>;

export interface LlmSettings {
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  /** Per step, the first of `LLM_ROUTE_<STEP>`. */
  routes: Record<StepName, LlmRoute>;
  /** Per step, the rest of `LLM_ROUTE_<STEP>`: where a call goes when the models before it fail. */
  fallbacks: Record<StepName, LlmRoute[]>;
  /** Per step, `LLM_SHORT_ROUTE_<STEP>`: the model for content shorter than `LLM_SHORT_CHARS`. */
  shortRoutes: Partial<Record<StepName, LlmRoute>>;
  prices: ModelPrices;
  rateLimits: RateLimits;
}

const LOCAL: LlmRoute = { provider: 'local', model: 'local-extractive-v1' };
/** Steps that go to Anthropic first when both providers are configured (the original design). */
const ANTHROPIC_FIRST: readonly StepName[] = ['SENTIMENT'];

/**
 * Providers, per-step routes and price overrides from the raw environment; appends what is wrong
 * to `problems`. Default routing follows the original design: summary and keywords on OpenAI,
 * sentiment on Anthropic; with one provider, everything goes to it; with none, to the offline
 * provider. Fallbacks are what `LLM_ROUTE_<STEP>` lists after its first model.
 */
export function loadLlmSettings(env: Record<string, string | undefined>, problems: string[]): LlmSettings {
  const value = (name: string) => (env[name] === '' ? undefined : env[name]);
  const openaiKey = value('OPENAI_API_KEY');
  const anthropicKey = value('ANTHROPIC_API_KEY');
  const openai = openaiKey ? { apiKey: openaiKey, baseURL: value('OPENAI_BASE_URL') } : undefined;
  const anthropic = anthropicKey ? { apiKey: anthropicKey, baseURL: value('ANTHROPIC_BASE_URL') } : undefined;
  if (value('OPENAI_BASE_URL') && !openai) problems.push('OPENAI_BASE_URL: set, but OPENAI_API_KEY is not');
  if (value('ANTHROPIC_BASE_URL') && !anthropic) problems.push('ANTHROPIC_BASE_URL: set, but ANTHROPIC_API_KEY is not');

  const openaiDefault = openai ? 'openai:gpt-4o-mini' : undefined;
  const anthropicDefault = anthropic ? 'anthropic:claude-3-5-haiku-latest' : undefined;
  /** A chain `provider:model,provider:model…` (the first is the route, the rest its fallbacks). */
  const chain = (name: string, text: string): LlmRoute[] => {
    const out: LlmRoute[] = [];
    for (const item of text.split(',').map((s) => s.trim())) {
      const result = parseRoute(item);
      if (typeof result === 'string') {
        problems.push(`${name}: ${result}`);
        continue;
      }
      if (result.provider === 'openai' && !openai) problems.push(`${name}: routes to openai, but OPENAI_API_KEY is not set`);
      if (result.provider === 'anthropic' && !anthropic)
        problems.push(`${name}: routes to anthropic, but ANTHROPIC_API_KEY is not set`);
      out.push(result);
    }
    return out.length > 0 ? out : [LOCAL];
  };
  // Unset, a step goes to its provider's default model, without fallback: a chain is asked for.
  const defaultChain = (step: StepName) =>
    (ANTHROPIC_FIRST.includes(step) ? (anthropicDefault ?? openaiDefault) : (openaiDefault ?? anthropicDefault)) ?? '';
  const chains = Object.fromEntries(
    STEP_NAMES.map((step) => {
      const text = value(`LLM_ROUTE_${step}`) ?? defaultChain(step);
      return [step, text ? chain(`LLM_ROUTE_${step}`, text) : [LOCAL]];
    }),
  ) as Record<StepName, LlmRoute[]>;
  const routes = Object.fromEntries(STEP_NAMES.map((step) => [step, chains[step][0]!])) as Record<StepName, LlmRoute>;
  const fallbacks = Object.fromEntries(STEP_NAMES.map((step) => [step, chains[step].slice(1)])) as Record<StepName, LlmRoute[]>;
  const shortRoutes: Partial<Record<StepName, LlmRoute>> = {};
  for (const step of STEP_NAMES) {
    const text = value(`LLM_SHORT_ROUTE_${step}`);
    if (text) shortRoutes[step] = chain(`LLM_SHORT_ROUTE_${step}`, text)[0];
  }

  /** A JSON setting checked by `schema`; `{}` (and a problem naming it and `shape`) when it is wrong. */
  const json = <T>(name: string, schema: z.ZodType<T>, shape: string): T | Record<string, never> => {
    const raw = value(name);
    if (!raw) return {};
    try {
      const result = schema.safeParse(JSON.parse(raw));
      if (result.success) return result.data;
      problems.push(`${name}: must be JSON like ${shape}`);
    } catch {
      problems.push(`${name}: is not valid JSON`);
    }
    return {};
  };
  const prices = json('LLM_PRICES', priceSchema, '{"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per million tokens)');
  const rateLimits = json(
    'LLM_RATE_LIMITS',
    rateLimitSchema,
    '{"openai:gpt-4o-mini":{"rpm":500,"tpm":200000},"anthropic":{"rpm":50}} (per minute, whole numbers)',
  );
  return { openai, anthropic, routes, fallbacks, shortRoutes, prices, rateLimits };
}
