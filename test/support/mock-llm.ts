import type { MockLlmServer } from '../../src/devtools/mock-llm.server.js';

/** Points both real SDKs at the mock LLM server. */
export const mockLlmEnv = (mock: MockLlmServer): Record<string, string> => ({
  OPENAI_API_KEY: 'sk-test',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-test',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
});
