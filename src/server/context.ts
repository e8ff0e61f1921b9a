import type { ArticleReader } from '../articles/article.repository.js';
import type { ArticleService, Viewer } from '../articles/article.service.js';
import type { ArticleEventHub } from './article-event.hub.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives. Built per HTTP request and per WebSocket subscription. */
export interface GraphQLContext {
  viewer: Viewer;
  loaders: Loaders;
  articles: ArticleService;
  hub: ArticleEventHub;
}

export interface ContextDeps {
  reader: ArticleReader;
  articles: ArticleService;
  hub: ArticleEventHub;
}

export function createContext(deps: ContextDeps): GraphQLContext {
  // Access control comes later (API keys with scopes): the viewer is anonymous for now.
  return { viewer: { id: null }, loaders: createLoaders(deps.reader), articles: deps.articles, hub: deps.hub };
}
