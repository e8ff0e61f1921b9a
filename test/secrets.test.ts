import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { redactSecrets, sanitizeErrorText } from '../src/lib/redact.js';
import { submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { ArticleDetails } from './support/operations.js';
import { spawnDistill, type DistillProcess } from './support/processes.js';
import { availableBackends } from './support/services.js';
import { createTestEnvironment, type TestEnvironment } from './support/system.fixture.js';

const PROVIDER_KEY = 'sk-proj-Zx81SecretProviderKey0042';

describe('redaction by shape', () => {
  it.each([
    [`401 Incorrect API key provided: ${PROVIDER_KEY}.`, '401 Incorrect API key provided: [redacted].'],
    ['anthropic said: invalid x-api-key sk-ant-api03-abcdefghijklmnop', 'anthropic said: invalid x-api-key [redacted]'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Authorization: [redacted]'],
    ['our key dk_0123abcd_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefg leaked', 'our key [redacted] leaked'],
    ['{"api_key":"abc123456789","other":1}', '{"api_key":"[redacted]","other":1}'],
    ['password=hunter2hunter2 and AKIAIOSFODNN7EXAMPLE', 'password=[redacted] and [redacted]'],
  ])('redacts %s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves ordinary error text alone and caps its length', () => {
    expect(redactSecrets('openai 500: Internal server error (task-skeleton)')).toBe(
      'openai 500: Internal server error (task-skeleton)',
    );
    expect(sanitizeErrorText('x'.repeat(2_000))).toHaveLength(500);
  });
});

describe.each(availableBackends())('a provider that echoes the key, on %s services', (backend) => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let distill: DistillProcess;
  let url: string;

  beforeAll(async () => {
    mock = await startMockLlmServer();
    environment = await createTestEnvironment(backend);
    distill = spawnDistill('all', {
      ...environment.env,
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: mock.openaiBaseUrl,
      LLM_ROUTE_SUMMARY: 'openai:gpt-4o-mini',
      LLM_ROUTE_KEYWORDS: 'openai:gpt-4o-mini',
      LLM_ROUTE_SENTIMENT: 'openai:gpt-4o-mini',
      LOG_LEVEL: 'debug',
    });
    url = String((await distill.waitForLog((l) => typeof l.url === 'string')).url).replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    distill.kill();
    await distill.exited;
    await environment.cleanup();
    await mock.stop();
  });

  it('keeps the key out of the article, the job, the events and the log', async () => {
    mock.script([{ status: 401 }, { status: 401 }, { status: 401 }]);
    const { articleId } = await submit(url);
    const events = await awaitSettled(url, articleId);
    const { article } = await gql(url, ArticleDetails, { id: articleId });
    expect(article!.status).toBe('FAILED');
    expect(article!.error).toMatch(/openai 401: 401 Incorrect API key provided: \[redacted\]/);
    expect(article!.job!.error).toMatch(/\[redacted\]/);
    // The upstream did echo it: the mock's answer carried the key.
    expect(mock.stats().byStatus[401]).toBeGreaterThan(0);
    const everything = JSON.stringify({ article, events, logs: distill.logs });
    expect(everything).toContain('[redacted]');
    expect(everything).not.toContain(PROVIDER_KEY);
    expect(everything).not.toContain('Zx81Secret');
  });
});
