/** Input tokens each model family accepts, as published by the providers; unknown models: none assumed. */
const CONTEXT_TOKENS: readonly [RegExp, number][] = [
  [/^gpt-4o/, 128_000],
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^claude-/, 200_000],
];

/** The model's context window in tokens, or undefined when it is not known (or unlimited, as the offline model). */
export function contextTokens(model: string): number | undefined {
  return CONTEXT_TOKENS.find(([pattern]) => pattern.test(model))?.[1];
}
