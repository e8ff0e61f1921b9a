import { LlmError } from './llm-error.js';
import type { Completion, CompletionRequest, LlmProvider } from './provider.js';
import { detectTask, extractArticle } from './tasks.js';
import { estimateTokens, keywords, sentiment, summarize } from './text-analysis.js';

/** Answers a task prompt with the offline heuristics, in the format a model would use. */
export function answerOffline(system: string, prompt: string): string {
  const text = extractArticle(prompt);
  switch (detectTask(system)) {
    case 'KEYWORDS':
      return JSON.stringify(keywords(text));
    case 'SENTIMENT':
      return sentiment(text);
    case 'SUMMARY':
      return summarize(text);
  }
}

/** The built-in offline provider: no network, no cost; good enough to see the whole system work. */
export function createLocalProvider(): LlmProvider {
  return {
    name: 'local',
    async complete(request: CompletionRequest): Promise<Completion> {
      if (request.signal?.aborted) throw new LlmError('aborted', 'local call aborted', { provider: 'local' });
      const text = answerOffline(request.system, request.prompt);
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
