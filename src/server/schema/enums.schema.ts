import { ARTICLE_EVENT_TYPES, ARTICLE_STATUSES, JOB_STATES, PRIORITIES, SENTIMENTS, STEP_NAMES } from '../../lib/vocabulary.js';
import { builder } from './builder.js';

export const PriorityEnum = builder.enumType('Priority', { values: PRIORITIES });
export const ArticleStatusEnum = builder.enumType('ArticleStatus', { values: ARTICLE_STATUSES });
export const JobStateEnum = builder.enumType('JobState', { values: JOB_STATES });
export const StepNameEnum = builder.enumType('StepName', { values: STEP_NAMES });
export const SentimentEnum = builder.enumType('Sentiment', { values: SENTIMENTS });
export const ArticleEventTypeEnum = builder.enumType('ArticleEventType', { values: ARTICLE_EVENT_TYPES });
