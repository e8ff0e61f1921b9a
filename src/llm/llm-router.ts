import type { Config } from '../config/config.js';
import type { LlmRoute, ProviderName } from '../config/llm-route.js';
import type { StepName } from '../lib/vocabulary.js';
import { createAnthropicProvider } from './anthropic.provider.js';
import { createFailover, type Answer, type Candidate } from './failover.js';
import { createLocalProvider, type OfflineAnswer } from './local.provider.js';
import { createOpenAiProvider } from './openai.provider.js';
import { contextTokens } from './model-context.js';
import { createPriceLookup, type PriceLookup } from './pricing.js';
import type { CallGate, CompletionRequest, LlmProvider } from './provider.js';
import type { QuotaReport } from './quota-headers.js';

export type { Answer, Candidate } from './failover.js';

/** Picks the models for each step, calls them with failover, and knows what each model costs. */
export interface LlmRouter {
  /**
   * The models a step's call goes to, in order: the step's short route for content shorter than
   * `LLM_SHORT_CHARS` (if it has one), then its route and fallbacks.
   */
  chain(step: StepName, contentLength: number): Candidate[];
  /** Calls the chain: the first model whose circuit admits it, the next on a provider fault. */
  complete(chain: readonly Candidate[], request: Omit<CompletionRequest, 'model'>): Promise<Answer>;
  /**
   * The most tokens of content one call of `chain` reads: `LLM_CHUNK_TOKENS`, or less when a model
   * of the chain has a smaller context (room left for the instructions and the answer). Undefined
   * when the chain starts at the offline provider, which reads any length.
   */
  chunkTokens(chain: readonly Candidate[], maxOutputTokens: number): number | undefined;
  price: PriceLookup;
  /** Per step, the share of articles each prompt version gets. */
  promptWeights: Config['llm']['promptWeights'];
  /** Request timeout for content of this length: per-1k-characters rule, clamped. */
  timeoutMs(contentLength: number): number;
}

/** Tokens of a call's context kept for its instructions and the article's title. */
const PROMPT_ROOM_TOKENS = 1_000;

/**
 * Builds the providers the config routes to (and only those); `offline` answers for the `local`
 * provider; `gate` holds calls back under shared rate limits, and hears the providers' rate-limit headers.
 */
export function createLlmRouter(config: Config['llm'], offline: OfflineAnswer, gate?: CallGate): LlmRouter {
  const providers = new Map<ProviderName, LlmProvider>();
  const candidate = (route: LlmRoute): Candidate => {
    let p = providers.get(route.provider);
    if (!p) {
      const onQuota = gate?.observe && ((model: string, report: QuotaReport) => gate.observe!(route.provider, model, report));
      if (route.provider === 'openai') p = createOpenAiProvider(config.openai!, onQuota);
      else if (route.provider === 'anthropic') p = createAnthropicProvider(config.anthropic!, onQuota);
      else p = createLocalProvider(offline);
      providers.set(route.provider, p);
    }
    return { provider: p, model: route.model };
  };
  const chains = new Map<string, Candidate[]>();
  const chainOf = (step: StepName, short: boolean) => {
    const key = `${step}:${short}`;
    let chain = chains.get(key);
    if (!chain) {
      const routes = [...(short ? [config.shortRoutes[step]!] : []), config.routes[step], ...config.fallbacks[step]];
      const unique = routes.filter((r, i) => routes.findIndex((o) => o.provider === r.provider && o.model === r.model) === i);
      chains.set(key, (chain = unique.map(candidate)));
    }
    return chain;
  };
  const failover = createFailover(config.circuit, gate);
  const { perThousandCharsMs, minMs, maxMs } = config.timeout;
  return {
    chain: (step, length) => chainOf(step, config.shortRoutes[step] !== undefined && length < config.shortChars),
    complete: (chain, request) => failover.complete(chain, request),
    chunkTokens(chain, maxOutputTokens) {
      if (chain[0]?.provider.name === 'local') return undefined;
      const contexts = chain.map((c) => contextTokens(c.model)).filter((n): n is number => n !== undefined);
      return Math.min(config.chunkTokens, ...contexts.map((n) => n - maxOutputTokens - PROMPT_ROOM_TOKENS));
    },
    price: createPriceLookup(config.prices),
    promptWeights: config.promptWeights,
    timeoutMs: (length) => Math.min(maxMs, Math.max(minMs, Math.ceil((length / 1000) * perThousandCharsMs))),
  };
}
