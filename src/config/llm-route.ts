export type ProviderName = 'openai' | 'anthropic' | 'local';

/** Where one pipeline step's LLM calls go: `provider:model`. */
export interface LlmRoute {
  provider: ProviderName;
  model: string;
}

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'local'];

/** Parses `provider:model`; returns a message instead of a route when it is malformed. */
export function parseRoute(value: string): LlmRoute | string {
  const i = value.indexOf(':');
  const provider = value.slice(0, i) as ProviderName;
  const model = value.slice(i + 1);
  if (i <= 0 || model.length === 0) return `must look like provider:model, e.g. openai:gpt-4o-mini (got "${value}")`;
  if (!PROVIDERS.includes(provider)) return `unknown provider "${provider}" (use ${PROVIDERS.join(', ')})`;
  return { provider, model };
}
