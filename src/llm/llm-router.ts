import type { Config } from '../config/config.js';
import type { LlmRoute, ProviderName } from '../config/llm-route.js';
import { STEP_NAMES, type StepName } from '../lib/vocabulary.js';
import { createAnthropicProvider } from './anthropic.provider.js';
import { createLocalProvider, type OfflineAnswer } from './local.provider.js';
import { createOpenAiProvider } from './openai.provider.js';
import { createPriceLookup, type PriceLookup } from './pricing.js';
import type { LlmProvider } from './provider.js';

/** Picks the provider and model for each step, and knows what each model costs. */
export interface LlmRouter {
  route(step: StepName): { provider: LlmProvider; model: string };
  price: PriceLookup;
  /** Request timeout for content of this length: per-1k-characters rule, clamped. */
  timeoutMs(contentLength: number): number;
}

/** Builds the providers the config routes to (and only those); `offline` answers for the `local` provider. */
export function createLlmRouter(config: Config['llm'], offline: OfflineAnswer): LlmRouter {
  const providers = new Map<ProviderName, LlmProvider>();
  const provider = (route: LlmRoute): LlmProvider => {
    let p = providers.get(route.provider);
    if (!p) {
      if (route.provider === 'openai') p = createOpenAiProvider(config.openai!);
      else if (route.provider === 'anthropic') p = createAnthropicProvider(config.anthropic!);
      else p = createLocalProvider(offline);
      providers.set(route.provider, p);
    }
    return p;
  };
  const routes = Object.fromEntries(
    STEP_NAMES.map((step) => [step, { provider: provider(config.routes[step]), model: config.routes[step].model }]),
  ) as Record<StepName, { provider: LlmProvider; model: string }>;
  const { perThousandCharsMs, minMs, maxMs } = config.timeout;
  return {
    route: (step) => routes[step],
    price: createPriceLookup(config.prices),
    timeoutMs: (length) => Math.min(maxMs, Math.max(minMs, Math.ceil((length / 1000) * perThousandCharsMs))),
  };
}
