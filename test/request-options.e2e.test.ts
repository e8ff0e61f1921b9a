import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, CostReport, SubmitArticle, SubmitArticles } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const CONTENT =
  'The company reported record profits this quarter. Growth was strong across every region. ' +
  'Analysts praise the results and expect further gains. Shares rise sharply on the news. ' +
  'The board approved a new dividend and a buyback. Employees will receive a bonus.';

describe.each(availableBackends())('per-request options on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: { ...mockLlmEnv(mock), LLM_CACHE_TTL: '7d', LLM_PROMPT_WEIGHTS: 'SUMMARY:v1=1,SUMMARY:v2=1' },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  const completed = async (articleId: string) => {
    expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    return (await gql(sys.url, ArticleDetails, { id: articleId })).article!;
  };

  it('writes the summary length, the number of keywords and the language asked for', async () => {
    mock.reset();
    const options = { summarySentences: 1, keywords: 3, language: 'Korean' };
    const article = await completed((await submit(sys.url, sampleArticle({ content: CONTENT, options }))).articleId);
    expect(article.options).toEqual(options);
    expect(article.summary!.split(/(?<=[.!?])\s+/)).toHaveLength(1);
    expect(article.keywords).toHaveLength(3);
    const prompts = mock.stats().systemPrompts;
    expect(prompts.find((p) => p.startsWith('Task: summary.'))).toContain('Write exactly 1 plain sentences');
    expect(prompts.filter((p) => p.includes('Write in Korean.'))).toHaveLength(2);

    // The defaults, for the same content: other instructions, so not the cached answer.
    mock.reset();
    const plain = await completed((await submit(sys.url, sampleArticle({ content: CONTENT }))).articleId);
    expect(mock.stats().requests).toBe(3);
    expect(plain.options).toBeNull();
    expect(plain.summary!.split(/(?<=[.!?])\s+/)).toHaveLength(3);
    expect(plain.keywords!.length).toBeGreaterThan(3);
  });

  it('splits summaries between prompt versions by weight, recorded in the ledger and compared in costReport', async () => {
    const { submitArticles } = await gql(sys.url, SubmitArticles, {
      input: Array.from({ length: 16 }, (_, i) => sampleArticle({ title: `A/B ${i}`, content: `${CONTENT} Story ${i}.` })),
    });
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
    const versions = new Set<string>();
    for (const { id } of submitArticles.articles) {
      const article = await completed(id);
      versions.add(article.llmCalls.find((c) => c.step === 'SUMMARY')!.promptVersion);
    }
    expect([...versions].sort()).toEqual(['v1', 'v2']);
    const { costReport } = await gql(sys.url, CostReport, { days: 1 });
    const summary = costReport.byPromptVersion.filter((g) => g.key.startsWith('SUMMARY:'));
    expect(summary.map((g) => g.key).sort()).toEqual(['SUMMARY:v1', 'SUMMARY:v2']);
    for (const g of summary) {
      expect(g.calls).toBeGreaterThan(0);
      expect(g.avgUsdPerCall).toBeGreaterThan(0);
      expect(g.avgLatencyMs).not.toBeNull();
    }
  });

  it('rejects options out of range, naming each field, and stores nothing', async () => {
    const { submitArticle } = await gql(sys.url, SubmitArticle, {
      input: sampleArticle({ options: { summarySentences: 0, keywords: 21, language: '42' } }),
    });
    expect(submitArticle).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [
        { path: ['options', 'summarySentences'], message: 'must be 1 to 10' },
        { path: ['options', 'keywords'], message: 'must be 1 to 20' },
        { path: ['options', 'language'], message: 'must name a language in 2 to 40 letters, e.g. English, ko or pt-BR' },
      ],
    });
  });
});
