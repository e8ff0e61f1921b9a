import { z } from 'zod';
import { STEP_NAMES, type StepName } from '../lib/vocabulary.js';
import { parseRoute, type LlmRoute } from './llm-route.js';

const priceSchema = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

/** USD per million tokens, per model. */
export type ModelPrices = z.infer<typeof priceSchema>;

export interface LlmSettings {
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  /** Per step, from `LLM_ROUTE_<STEP>`. */
  routes: Record<StepName, LlmRoute>;
  prices: ModelPrices;
}

const LOCAL: LlmRoute = { provider: 'local', model: 'local-extractive-v1' };
/** Steps that go to Anthropic first when both providers are configured (the original design). */
const ANTHROPIC_FIRST: readonly StepName[] = ['SENTIMENT'];

/**
 * Providers, per-step routes and price overrides from the raw environment; appends what is wrong
 * to `problems`. Default routing follows the original design: summary and keywords on OpenAI,
 * sentiment on Anthropic, falling back to whichever is configured, then to the offline provider.
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
  const route = (name: string, fallback: string | undefined): LlmRoute => {
    const text = value(name) ?? fallback;
    if (!text) return LOCAL;
    const result = parseRoute(text);
    if (typeof result === 'string') {
      problems.push(`${name}: ${result}`);
      return LOCAL;
    }
    if (result.provider === 'openai' && !openai) problems.push(`${name}: routes to openai, but OPENAI_API_KEY is not set`);
    if (result.provider === 'anthropic' && !anthropic)
      problems.push(`${name}: routes to anthropic, but ANTHROPIC_API_KEY is not set`);
    return result;
  };
  const routes = Object.fromEntries(
    STEP_NAMES.map((step) => [
      step,
      route(
        `LLM_ROUTE_${step}`,
        ANTHROPIC_FIRST.includes(step) ? (anthropicDefault ?? openaiDefault) : (openaiDefault ?? anthropicDefault),
      ),
    ]),
  ) as Record<StepName, LlmRoute>;

  let prices: ModelPrices = {};
  const rawPrices = value('LLM_PRICES');
  if (rawPrices) {
    try {
      const result = priceSchema.safeParse(JSON.parse(rawPrices));
      if (result.success) prices = result.data;
      else problems.push('LLM_PRICES: must be JSON like {"gpt-4o-mini":{"input":0.15,"output":0.6}} (USD per million tokens)');
    } catch {
      problems.push('LLM_PRICES: is not valid JSON');
    }
  }
  return { openai, anthropic, routes, prices };
}
