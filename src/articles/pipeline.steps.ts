import type { Updateable } from 'kysely';
import type { ArticleRow, ArticlesTable } from '../db/tables.js';
import { LlmError } from '../llm/llm-error.js';
import { parseKeywords, parseSentiment } from '../llm/tasks.js';
import type { StepName } from '../lib/vocabulary.js';

/** Per step: the article column that holds its result (and marks it done), and how to read the answer. */
export interface StepDefinition {
  column: 'summary' | 'keywords' | 'sentiment';
  /** Turns the model's text into the column value; throws LlmError('invalid_output') when it cannot. */
  parse(text: string, provider: string): Updateable<ArticlesTable>;
}

const invalid = (provider: string, what: string, text: string) =>
  new LlmError('invalid_output', `${provider} returned no ${what}: "${text.slice(0, 80)}"`, { provider });

export const STEPS: Record<StepName, StepDefinition> = {
  SUMMARY: {
    column: 'summary',
    parse(text, provider) {
      const summary = text.trim();
      if (!summary) throw invalid(provider, 'summary', text);
      return { summary };
    },
  },
  KEYWORDS: {
    column: 'keywords',
    parse(text, provider) {
      const keywords = parseKeywords(text);
      if (keywords.length === 0) throw invalid(provider, 'keywords', text);
      return { keywords };
    },
  },
  SENTIMENT: {
    column: 'sentiment',
    parse(text, provider) {
      const sentiment = parseSentiment(text);
      if (!sentiment) throw invalid(provider, 'sentiment label', text);
      return { sentiment };
    },
  },
};

/** True when the step's result is already stored (the checkpoint a redelivered job resumes from). */
export function isStepDone(article: Pick<ArticleRow, 'summary' | 'keywords' | 'sentiment'>, step: StepName): boolean {
  return article[STEPS[step].column] !== null;
}
