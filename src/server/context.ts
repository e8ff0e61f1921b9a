import type { ArticleService, Viewer } from '../articles/article.service.js';
import type { Db } from '../db/database.js';
import type { ArticleEventHub } from './article-event.hub.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives. Built per HTTP request and per WebSocket subscription. */
export interface GraphQLContext {
  viewer: Viewer;
  db: Db;
  loaders: Loaders;
  articles: ArticleService;
  hub: ArticleEventHub;
}

export interface ContextDeps {
  db: Db;
  articles: ArticleService;
  hub: ArticleEventHub;
}

export function createContext(deps: ContextDeps): GraphQLContext {
  // Access control comes later (API keys with scopes): the viewer is anonymous for now.
  return { viewer: { id: null }, db: deps.db, loaders: createLoaders(deps.db), articles: deps.articles, hub: deps.hub };
}
