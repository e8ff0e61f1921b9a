import type { ModelPrices } from '../config/llm-settings.js';

/** USD per million tokens, input and output, as published by the providers. Override with LLM_PRICES. */
export const DEFAULT_PRICES: ModelPrices = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'claude-3-5-haiku-latest': { input: 0.8, output: 4 },
  'claude-3-5-sonnet-latest': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'local-extractive-v1': { input: 0, output: 0 },
};

export type PriceLookup = (model: string) => { input: number; output: number } | undefined;

/** Price table with overrides applied; dated model ids fall back to their undated family. */
export function createPriceLookup(overrides: ModelPrices): PriceLookup {
  const table: ModelPrices = { ...DEFAULT_PRICES, ...overrides };
  return (model) => table[model] ?? table[model.replace(/-\d{4}-?\d{2}-?\d{2}$/, '')];
}

/** Cost of one call in USD, or null when the model has no known price (unknown is not free). */
export function costUsd(price: ReturnType<PriceLookup>, inputTokens: number, outputTokens: number): number | null {
  if (!price) return null;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

/**
 * A prompt's tokens, over-counted on purpose: one per three UTF-8 bytes, above what OpenAI's and
 * Anthropic's tokenizers make of prose in Latin, Hangul or Han script (about 4, 3 and 3 bytes a token).
 */
export const maxPromptTokens = (promptText: string) => Math.ceil(Buffer.byteLength(promptText) / 3);

/** The most a call can cost: its prompt (maxPromptTokens) and every output token it may write. 0 when the price is unknown. */
export function maxCostUsd(price: ReturnType<PriceLookup>, promptText: string, maxOutputTokens: number): number {
  return costUsd(price, maxPromptTokens(promptText), maxOutputTokens) ?? 0;
}
