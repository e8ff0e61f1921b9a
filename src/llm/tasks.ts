import type { Sentiment, StepName } from '../lib/vocabulary.js';

/**
 * The three LLM tasks: their prompts (versioned, so cached answers and the ledger say which prompt
 * produced them) and defensive parsers for what models send back.
 */
export interface TaskPrompt {
  version: string;
  system: string;
  prompt: string;
  maxTokens: number;
}

const SYSTEM: Record<StepName, string> = {
  SUMMARY:
    'Task: summary. You summarize news articles. Write 2-4 plain sentences that state the key facts. ' +
    'Write in the language of the article. No preamble.',
  KEYWORDS:
    'Task: keywords. You extract keywords from news articles. Answer with a JSON array of 5-8 short keywords or ' +
    'key phrases, most important first, in the language of the article. Only the JSON array.',
  SENTIMENT:
    'Task: sentiment. You classify the overall sentiment of news articles. ' +
    'Answer with exactly one word: POSITIVE, NEGATIVE or NEUTRAL.',
};
const MAX_TOKENS: Record<StepName, number> = { SUMMARY: 400, KEYWORDS: 120, SENTIMENT: 5 };

export const PROMPT_VERSION = 'v1';

/** Builds the request for one step of one article. */
export function buildPrompt(step: StepName, article: { title: string; content: string }): TaskPrompt {
  return {
    version: PROMPT_VERSION,
    system: SYSTEM[step],
    prompt: `<title>${article.title}</title>\n<article>\n${article.content}\n</article>`,
    maxTokens: MAX_TOKENS[step],
  };
}

/** Which task a system prompt asks for (the offline provider and the mock server answer by it). */
export function detectTask(system: string): StepName {
  const match = /^Task: (summary|keywords|sentiment)\./.exec(system);
  return match ? (match[1]!.toUpperCase() as StepName) : 'SUMMARY';
}

/** The article text inside a prompt built by buildPrompt (or the whole prompt). */
export function extractArticle(prompt: string): string {
  const match = /<article>\n?([\s\S]*?)\n?<\/article>/.exec(prompt);
  return match ? match[1]! : prompt;
}

/** Keywords from a JSON array, or from a comma/newline list; trimmed, de-duplicated, at most 10. */
export function parseKeywords(text: string): string[] {
  let items: unknown[] | undefined;
  const json = /\[[\s\S]*\]/.exec(text);
  if (json) {
    try {
      const value: unknown = JSON.parse(json[0]);
      if (Array.isArray(value)) items = value;
    } catch {
      // not JSON: fall back to a list
    }
  }
  items ??= text.split(/[,\n;]/);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const keyword = item
      .replace(/^[\s\-*\d.)"'`]+|[\s"'`.]+$/g, '')
      .trim()
      .toLowerCase();
    if (keyword.length === 0 || keyword.length > 60 || seen.has(keyword)) continue;
    seen.add(keyword);
    out.push(keyword);
  }
  return out.slice(0, 10);
}

/** The first sentiment label in the answer; undefined if there is none. */
export function parseSentiment(text: string): Sentiment | undefined {
  const match = /\b(positive|negative|neutral)\b/i.exec(text);
  return match ? (match[1]!.toUpperCase() as Sentiment) : undefined;
}
