import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { withDeadline } from '../lib/deadline.js';
import { toLlmError } from './llm-error.js';
import { createSdkFetch } from './sdk-fetch.js';
import { observeQuota, type QuotaListener } from './quota-headers.js';
import type { Completion, CompletionRequest, LlmProvider } from './provider.js';

const SDK = { APIError, APIUserAbortError, APIConnectionTimeoutError, APIConnectionError };

/**
 * Anthropic messages API. SDK retries are off: the job queue is the one retry mechanism.
 * `onQuota` hears the rate-limit headers of every response. */
export function createAnthropicProvider(options: { apiKey: string; baseURL?: string }, onQuota?: QuotaListener): LlmProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: 3_600_000,
    fetch: createSdkFetch(observeQuota('anthropic', onQuota)),
  });
  return {
    name: 'anthropic',
    // Not async: see the OpenAI provider (a suspended frame per held call costs memory).
    complete(request: CompletionRequest): Promise<Completion> {
      const body = {
        model: request.model,
        system: request.system,
        max_tokens: request.maxTokens,
        messages: [{ role: 'user' as const, content: request.prompt }],
      };
      if (request.onDelta) {
        // A stream outlives the SDK's timer (it stops at the headers): withDeadline bounds the whole of it.
        return withDeadline(request.signal, request.timeoutMs, async (signal) => {
          try {
            const stream = client.messages.stream(body, { signal, timeout: request.timeoutMs });
            stream.on('text', (delta) => request.onDelta?.(delta));
            return toCompletion(await stream.finalMessage());
          } catch (err) {
            throw toLlmError(err, 'anthropic', SDK, signal);
          }
        });
      }
      // The SDK's own timer is the deadline (our fetch reads the whole body inside it).
      return client.messages
        .create(body, { signal: request.signal, timeout: request.timeoutMs })
        .then(toCompletion, (err: unknown) => {
          throw toLlmError(err, 'anthropic', SDK, request.signal);
        });
    },
  };
}

function toCompletion(message: Anthropic.Message): Completion {
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return { text, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens, model: message.model };
}
