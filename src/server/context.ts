import type { Viewer } from '../access/viewer.js';
import { visibleTenant } from '../access/viewer.js';
import type { ArticleReader } from '../articles/article.repository.js';
import type { ArticleService } from '../articles/article.service.js';
import type { CostReportRepository } from '../articles/cost-report.repository.js';
import type { BudgetService } from '../articles/budget.js';
import type { ListingRepository } from '../articles/listing.repository.js';
import type { Operations } from '../articles/operations.js';
import type { EventBus } from '../events/event-bus.js';
import type { ArticleEventHub } from './article-event.hub.js';
import { createLoaders, type Loaders } from './loaders.js';

/**
 * A graphql-ws subscription's own socket: `send` writes one `next` frame around a result's JSON;
 * false when the client is gone or too far behind (the subscription then ends).
 */
export interface DirectFrames {
  send(resultJson: string): boolean;
}

/** What every resolver receives. Built per HTTP request and per WebSocket subscription. */
export interface GraphQLContext {
  viewer: Viewer;
  /** Loaders see the viewer's tenant only (admins: every tenant). */
  loaders: Loaders;
  articles: ArticleService;
  /** Listings and counts; callers pass the viewer's tenant (`visibleTenant`). */
  listing: ListingRepository;
  costs: CostReportRepository;
  budgets: BudgetService;
  /** The bus, for subscriptions to events other than articles' (budget alerts). */
  bus: EventBus;
  hub: ArticleEventHub;
  /** The queue and the workers, for operators. */
  operations: Operations;
  /** Set on graphql-ws subscriptions (shared-subscriptions.ts writes to them directly). */
  frames?: DirectFrames;
}

export interface ContextDeps {
  reader: ArticleReader;
  listing: ListingRepository;
  costs: CostReportRepository;
  budgets: BudgetService;
  bus: EventBus;
  articles: ArticleService;
  hub: ArticleEventHub;
  operations: Operations;
}

export function createContext(deps: ContextDeps, viewer: Viewer): GraphQLContext {
  return {
    viewer,
    loaders: createLoaders(deps.reader, deps.listing, visibleTenant(viewer)),
    articles: deps.articles,
    listing: deps.listing,
    costs: deps.costs,
    budgets: deps.budgets,
    bus: deps.bus,
    hub: deps.hub,
    operations: deps.operations,
  };
}
