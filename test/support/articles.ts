import type { SubmitArticleInput } from '../generated/graphql.js';
import { gql } from './graphql-client.js';
import { SubmitArticle } from './operations.js';

export const SAMPLE_CONTENT =
  'The company reported record profits this quarter. Growth was strong across every region. ' +
  'Analysts praise the results and expect further gains. Shares rise sharply on the news.';

/** Four long sentences (about 400 characters): a summary of several pieces, content above a short-route threshold. */
export const LONG_CONTENT =
  'The company reported record profits this quarter, driven by strong demand in every region. ' +
  'Growth was strong across all divisions, and the new product line exceeded expectations by a wide margin. ' +
  'Analysts praise the results and expect further gains as the market continues to expand next year. ' +
  'Shares rise sharply on the news, reaching a level not seen since the company went public a decade ago.';

/** Whether an event type is logged (replayed); STEP_STARTED and SUMMARY_DELTA are live only. */
export const isLogged = (type: string) => type !== 'STEP_STARTED' && type !== 'SUMMARY_DELTA';

/** The logged events of an article that completes on its first attempt, in order. */
export const COMPLETED_RUN = ['QUEUED', 'STARTED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'STEP_COMPLETED', 'COMPLETED'];

export function sampleArticle(overrides: Partial<SubmitArticleInput> = {}): SubmitArticleInput {
  return { title: 'Record quarter', content: SAMPLE_CONTENT, sourceUrl: 'https://news.example.com/a/1', ...overrides };
}

/** Submits over GraphQL and returns the ids; fails the test on a ValidationError. */
export async function submit(
  baseUrl: string,
  input: SubmitArticleInput = sampleArticle(),
  key?: string,
): Promise<{ articleId: string; jobId: string }> {
  const { submitArticle } = await gql(baseUrl, SubmitArticle, { input }, key);
  if (submitArticle.__typename !== 'SubmitArticlePayload') throw new Error(`rejected: ${JSON.stringify(submitArticle)}`);
  return { articleId: submitArticle.article.id, jobId: submitArticle.job.id };
}
