import { LlmError } from '../llm/llm-error.js';
import { articlePrompt, extractArticle, parseKeywords, parseSentiment, taskOf } from '../llm/tasks.js';
import { keywords, sentiment, summarize } from '../llm/text-analysis.js';
import { PROMPT_VERSIONS, STEP_NAMES, type StepName } from '../lib/vocabulary.js';
import type { Article, ArticleOptions } from './article.model.js';

/** The article fields that hold a step's result; a step is done when its field is set. */
export type ResultField = 'summary' | 'keywords' | 'sentiment';
export type StepResults = Pick<Article, ResultField>;

/** One pipeline step, declared once: everything else about steps derives from this catalog. */
export interface StepDefinition {
  name: StepName;
  /** The article field (and column) that holds the result, and its SQL type. */
  field: ResultField;
  columnType: 'text' | 'text[]';
  /** Streams from the provider to subscribers as SUMMARY_DELTA events while the model writes it. */
  streams: boolean;
  /**
   * The instructions of each prompt version (PROMPT_VERSIONS), so the ledger and the cache key say
   * which prompt produced an answer, and versions can be compared (costReport.byPromptVersion).
   */
  prompt: { versions: Record<string, (options: ArticleOptions) => string>; maxTokens: number };
  /** The model's text as the field's value; throws LlmError('invalid_output') when it holds none. */
  parse(text: string, provider: string, options: ArticleOptions): string | string[];
  /** The offline `local` provider's answer for this step (its system prompt given), in the format a model would use. */
  offline(articleText: string, system: string): string;
}

const invalid = (provider: string, what: string, text: string) =>
  new LlmError('invalid_output', `${provider} returned no ${what}: "${text.slice(0, 80)}"`, { provider });

const CATALOG: { [N in StepName]: Omit<StepDefinition, 'name'> } = {
  SUMMARY: {
    field: 'summary',
    columnType: 'text',
    streams: true,
    prompt: {
      versions: {
        v1: (o) =>
          `You summarize news articles. Write ${sentences(o)} plain sentences that state the key facts. ` +
          `${inLanguage(o)} No preamble.`,
        v2: (o) =>
          `You write the lede of a news brief. Write ${sentences(o)} plain sentences: the most newsworthy fact first, ` +
          `then who, where and why it matters. ${inLanguage(o)} No preamble, no opinions.`,
      },
      maxTokens: 400,
    },
    parse(text, provider) {
      const summary = text.trim();
      if (!summary) throw invalid(provider, 'summary', text);
      return summary;
    },
    offline: (text, system) => summarize(text, countIn(system, /exactly (\d+) plain sentences/) ?? 3),
  },
  KEYWORDS: {
    field: 'keywords',
    columnType: 'text[]',
    streams: false,
    prompt: {
      versions: {
        v1: (o) =>
          `You extract keywords from news articles. Answer with a JSON array of ${o.keywords ?? '5-8'} short keywords or ` +
          `key phrases, most important first. ${inLanguage(o)} Only the JSON array.`,
      },
      maxTokens: 120,
    },
    parse(text, provider, options) {
      const list = parseKeywords(text, options.keywords ?? 10);
      if (list.length === 0) throw invalid(provider, 'keywords', text);
      return list;
    },
    offline: (text, system) => JSON.stringify(keywords(text, countIn(system, /array of (\d+) short keywords/) ?? 8)),
  },
  SENTIMENT: {
    field: 'sentiment',
    columnType: 'text',
    streams: false,
    prompt: {
      versions: {
        v1: () =>
          'You classify the overall sentiment of news articles. Answer with exactly one word: POSITIVE, NEGATIVE or NEUTRAL.',
      },
      maxTokens: 5,
    },
    parse(text, provider) {
      const label = parseSentiment(text);
      if (!label) throw invalid(provider, 'sentiment label', text);
      return label;
    },
    offline: (text) => sentiment(text),
  },
};

/** Every step, in run order. */
export const STEPS: readonly StepDefinition[] = STEP_NAMES.map((name) => ({ name, ...CATALOG[name] }));
export const STEP_COUNT = STEPS.length;
const byName = new Map(STEPS.map((s) => [s.name, s]));
const byTask = new Map(STEPS.map((s) => [s.name.toLowerCase(), s]));

export function stepDefinition(name: StepName): StepDefinition {
  return byName.get(name)!;
}

/** True when the step's result is stored (the checkpoint a redelivered or retried job resumes from). */
export function isStepDone(article: StepResults, step: StepName): boolean {
  return article[stepDefinition(step).field] !== null;
}

/** The steps whose result is not stored yet, in run order. */
export function pendingSteps(article: StepResults): StepDefinition[] {
  return STEPS.filter((s) => article[s.field] === null);
}

/** Fraction of the steps whose result is stored, 0 to 1. */
export function progressOf(article: StepResults): number {
  return (STEP_COUNT - pendingSteps(article).length) / STEP_COUNT;
}

export interface StepPrompt {
  version: string;
  system: string;
  prompt: string;
  maxTokens: number;
}

/**
 * The request for one step of one article, with its options; the system prompt names the task
 * first (`Task: summary.`).
 */
export function buildPrompt(
  step: StepName,
  article: { title: string; content: string; options: ArticleOptions | null },
  version: string = PROMPT_VERSIONS[step][0],
): StepPrompt {
  const { prompt } = stepDefinition(step);
  return {
    version,
    system: `Task: ${step.toLowerCase()}. ${prompt.versions[version]!(article.options ?? {})}`,
    prompt: articlePrompt(article.title, article.content),
    maxTokens: prompt.maxTokens,
  };
}

/** The most tokens any step's answer may take. */
export const MAX_ANSWER_TOKENS = Math.max(...STEPS.map((s) => s.prompt.maxTokens));

/** The map call of a long article's map-reduce: its prompt version in the ledger, and its answer's size. */
export const CHUNK_PROMPT = { version: 'map-v1', maxTokens: 300 } as const;

/**
 * The request that summarizes one chunk of a long article (map). The chunk summaries, joined, are
 * the text every step reads (reduce): a summary of summaries, keywords and sentiment of the whole.
 */
export function buildChunkPrompt(title: string, chunk: string, part: number, parts: number): StepPrompt {
  return {
    version: CHUNK_PROMPT.version,
    system:
      `Task: summary. You summarize part ${part} of ${parts} of a long news article. Write exactly 4 plain sentences ` +
      'that state the key facts of this part, with the names and numbers that matter. Write in the language of the text. No preamble.',
    prompt: articlePrompt(title, chunk),
    maxTokens: CHUNK_PROMPT.maxTokens,
  };
}

/** Answers a step's prompt offline (the `local` provider and the mock LLM server); unknown tasks get a summary. */
export function answerOffline(system: string, prompt: string): string {
  const step = byTask.get(taskOf(system) ?? '') ?? STEPS[0]!;
  return step.offline(extractArticle(prompt), system);
}

/**
 * The prompt version an article's step uses under `weights` (version → share): fixed per article
 * and step, so a retry asks the same question (and meets the same cache entry).
 */
export function choosePromptVersion(step: StepName, weights: Readonly<Record<string, number>>, articleId: number): string {
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (entries.length <= 1 || total <= 0) return entries[0]?.[0] ?? PROMPT_VERSIONS[step][0];
  // FNV-1a of the article and step: spread evenly, the same on every worker.
  let hash = 0x811c9dc5;
  for (const c of `${articleId}:${step}`) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
  let point = (hash / 0x1_0000_0000) * total;
  for (const [version, weight] of entries) if ((point -= weight) < 0) return version;
  return entries.at(-1)![0];
}

const sentences = (o: ArticleOptions) => (o.summarySentences ? `exactly ${o.summarySentences}` : '2-4');

/** The output language an instruction asks for. */
function inLanguage(options: ArticleOptions): string {
  return options.language ? `Write in ${options.language}.` : 'Write in the language of the article.';
}

/** A number the instructions state (the offline answerers follow it too). */
function countIn(system: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(system);
  return match ? Number(match[1]) : undefined;
}
