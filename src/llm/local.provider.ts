import { LlmError } from './llm-error.js';
import type { Completion, CompletionRequest, LlmProvider } from './provider.js';
import { estimateTokens } from './text-analysis.js';

/** How the offline provider answers a prompt (the step catalog's offline answers). */
export type OfflineAnswer = (system: string, prompt: string) => string;

/** The built-in offline provider: no network, no cost; good enough to see the whole system work. */
export function createLocalProvider(answer: OfflineAnswer): LlmProvider {
  return {
    name: 'local',
    async complete(request: CompletionRequest): Promise<Completion> {
      if (request.signal?.aborted) throw new LlmError('aborted', 'local call aborted', { provider: 'local' });
      const text = answer(request.system, request.prompt);
      request.onDelta?.(text);
      return {
        text,
        inputTokens: estimateTokens(request.system + request.prompt),
        outputTokens: estimateTokens(text),
        model: request.model,
      };
    },
  };
}
