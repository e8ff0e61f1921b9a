import { describe, expect, it } from 'vitest';
import { parseDuration, readQuotaHeaders } from '../src/llm/quota-headers.js';
import { parseRetryAfter } from '../src/llm/llm-error.js';
import { costUsd, createPriceLookup } from '../src/llm/pricing.js';
import { answerOffline, buildPrompt, choosePromptVersion } from '../src/articles/step-catalog.js';
import { PROMPT_VERSIONS, STEP_NAMES } from '../src/lib/vocabulary.js';
import { extractArticle, parseKeywords, parseSentiment, taskOf } from '../src/llm/tasks.js';
import { keywords, summarize } from '../src/llm/text-analysis.js';

describe('parsing model answers', () => {
  it('reads keywords from a JSON array, even wrapped in prose or a code fence', () => {
    expect(parseKeywords('["AI", "Chips", "ai"]')).toEqual(['ai', 'chips']);
    expect(parseKeywords('Here you go:\n```json\n["interest rates", "inflation"]\n```')).toEqual(['interest rates', 'inflation']);
  });

  it('falls back to comma and line lists, stripping bullets and numbering', () => {
    expect(parseKeywords('economy, markets; inflation')).toEqual(['economy', 'markets', 'inflation']);
    expect(parseKeywords('1. economy\n- markets\n* "inflation".')).toEqual(['economy', 'markets', 'inflation']);
  });

  it('keeps Korean keywords as they are', () => {
    expect(parseKeywords('["반도체", "수출", "삼성전자"]')).toEqual(['반도체', '수출', '삼성전자']);
  });

  it('reads the first sentiment label, whatever the case and wrapping', () => {
    expect(parseSentiment('POSITIVE')).toBe('POSITIVE');
    expect(parseSentiment('The sentiment is: negative.')).toBe('NEGATIVE');
    expect(parseSentiment('Neutral')).toBe('NEUTRAL');
    expect(parseSentiment('I cannot tell')).toBeUndefined();
  });
});

describe('offline text analysis', () => {
  it('extracts Korean keywords from a Korean article', () => {
    const text = '삼성전자 반도체 수출이 크게 늘었다. 반도체 가격이 오르면서 삼성전자 실적이 개선됐다. 반도체 수요는 계속된다.';
    const top = keywords(text, 3);
    expect(top[0]).toBe('반도체');
    expect(top).toContain('삼성전자');
  });

  it('summarizes with whole sentences from the text', () => {
    const text = 'Alpha rises. Beta falls sharply today. Gamma is flat. Delta rises again and again. Epsilon waits.';
    const summary = summarize(text, 2);
    for (const sentence of summary.split(/(?<=\.)\s/)) expect(text).toContain(sentence);
  });

  it('writes every prompt version the vocabulary lists, and splits articles between versions by weight, stably', () => {
    for (const step of STEP_NAMES)
      for (const version of PROMPT_VERSIONS[step])
        expect(buildPrompt(step, { title: 'T', content: 'C', options: null }, version).system).toMatch(/^Task: /);
    const picks = Array.from({ length: 2_000 }, (_, id) => choosePromptVersion('SUMMARY', { v1: 1, v2: 3 }, id));
    const v2 = picks.filter((v) => v === 'v2').length / picks.length;
    expect(v2).toBeGreaterThan(0.7);
    expect(v2).toBeLessThan(0.8);
    expect(choosePromptVersion('SUMMARY', { v1: 1, v2: 3 }, 42)).toBe(picks[42]);
    expect(choosePromptVersion('SUMMARY', { v1: 1, v2: 0 }, 42)).toBe('v1');
  });

  it('round-trips the task and article through the prompt', () => {
    const prompt = buildPrompt('KEYWORDS', { title: 'T', content: 'Body text.', options: null });
    expect(taskOf(prompt.system)).toBe('keywords');
    expect(extractArticle(prompt.prompt)).toBe('Body text.');
    expect(JSON.parse(answerOffline(prompt.system, prompt.prompt))).toEqual(['body', 'text']);
  });
});

describe('prices', () => {
  it('costs a call per million tokens, applies overrides and knows dated model ids', () => {
    const price = createPriceLookup({ 'my-model': { input: 1, output: 2 } });
    expect(costUsd(price('gpt-4o-mini'), 1_000_000, 1_000_000)).toBeCloseTo(0.75);
    expect(costUsd(price('my-model'), 500_000, 250_000)).toBeCloseTo(1);
    expect(price('gpt-4o-mini-2024-07-18')).toEqual(price('gpt-4o-mini'));
  });

  it('records an unknown model as null, not as free', () => {
    expect(costUsd(createPriceLookup({})('mystery-model'), 10, 10)).toBeNull();
  });

  it('reads Retry-After as seconds, HTTP date or retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3_000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    expect(parseRetryAfter(new Headers({ 'retry-after': inTwoSeconds }))).toBeGreaterThan(0);
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('rate-limit headers', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];

  it("reads OpenAI's x-ratelimit-* headers, with resets such as 6m0s and 20ms", () => {
    const report = readQuotaHeaders(
      'openai',
      headers({
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-limit-tokens': '200000',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
    );
    expect(report).toEqual({
      requests: { limit: 500, remaining: 499, resetMs: 120 },
      tokens: { limit: 200_000, remaining: 0, resetMs: 360_000 },
    });
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it("reads Anthropic's anthropic-ratelimit-* headers, whose resets are times", () => {
    const reset = new Date(Date.now() + 30_000).toISOString();
    const report = readQuotaHeaders(
      'anthropic',
      headers({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': reset,
      }),
    );
    expect(report?.requests).toMatchObject({ limit: 50, remaining: 0 });
    expect(report!.requests!.resetMs).toBeGreaterThan(28_000);
    expect(report!.requests!.resetMs).toBeLessThanOrEqual(30_000);
    expect(report?.tokens).toBeUndefined();
  });

  it('reads nothing from a response without them, or with values that are not counts', () => {
    expect(readQuotaHeaders('openai', headers({}))).toBeUndefined();
    expect(readQuotaHeaders('openai', headers({ 'x-ratelimit-remaining-requests': 'many' }))).toBeUndefined();
    expect(readQuotaHeaders('local', headers({ 'x-ratelimit-remaining-requests': '1' }))).toBeUndefined();
  });
});
