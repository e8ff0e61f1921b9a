import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request, subscribe } from '../api.js';
import { time, usd } from '../format.js';
import type {
  ArticleFilter,
  ArticleStatus,
  DashArticleFeedSubscription,
  DashArticleRowFragment,
  Priority,
} from '../generated/graphql.js';
import { useConnection } from '../hooks.js';
import { ArticleFeedSubscription, ArticlesQuery } from '../operations.js';
import { Badge, Progress } from '../ui/badge.js';
import { Empty, ErrorState, Loading } from '../ui/states.js';
import { VirtualList } from '../ui/virtual-list.js';

const PAGE = 100;
const STATUSES: ArticleStatus[] = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const PRIORITIES: Priority[] = ['HIGH', 'NORMAL', 'LOW'];

interface Listing {
  rows: DashArticleRowFragment[];
  totalCount: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

export function Articles({ batchId }: { batchId?: string }) {
  const [filter, setFilter] = useState<ArticleFilter>(batchId ? { batchId } : {});
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const loadingMore = useRef(false);
  // Whether the first page is in: live changes wait for it (else they would be lost, or be overwritten by it).
  const loaded = useRef(false);
  const { reconnects } = useConnection();
  // Bumped when the API ends the feed (a client too far behind is cut off): list and feed start over.
  const [resyncs, setResyncs] = useState(0);
  const filterKey = JSON.stringify(filter);

  // The first page on every filter change, and again after the live connection comes back.
  useEffect(() => {
    let stale = false;
    setListing(null);
    setError(undefined);
    loaded.current = false;
    request(ArticlesQuery, { first: PAGE, filter }).then(
      (d) => {
        if (stale) return;
        loaded.current = true;
        setListing({
          rows: d.articles.edges.map((e) => e.node),
          totalCount: d.articles.totalCount,
          endCursor: d.articles.pageInfo.endCursor ?? null,
          hasNextPage: d.articles.pageInfo.hasNextPage,
        });
      },
      (e: ApiError) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [filterKey, reconnects, resyncs]);

  // Live changes, applied once per animation frame however many arrive (1,000/s stays smooth).
  useEffect(() => {
    const pending = new Map<string, FeedEvent>();
    let frame = 0;
    const flush = () => {
      if (!loaded.current) {
        frame = requestAnimationFrame(flush);
        return;
      }
      frame = 0;
      const changes = new Map(pending);
      pending.clear();
      // Pure: Preact may run an updater more than once.
      setListing((current) => {
        if (!current) return current;
        const listed = new Set<string>();
        const rows = current.rows.map((row) => {
          listed.add(row.id);
          const change = changes.get(row.id);
          return change ? applyEvent(row, change) : row;
        });
        // An article not on the list is a new one if it is newer than the list's newest (or the whole
        // list is loaded); else it is on a page not loaded yet. New ones go on top, newest first.
        const newest = current.rows[0]?.createdAt ?? '';
        const isNew = (a: FeedEvent['article']) =>
          !listed.has(a.id) && (a.createdAt > newest || !current.hasNextPage) && (!filter.status || a.status === filter.status);
        const added = [...changes.values()]
          .filter((e) => isNew(e.article))
          .map((e) => applyEvent({ ...e.article, costUsd: 0, job: null }, e))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        return { ...current, rows: [...added, ...rows], totalCount: current.totalCount + added.length };
      });
    };
    const unsubscribe = subscribe(
      ArticleFeedSubscription,
      { filter: feedFilter(filter) },
      {
        next: ({ articleFeed }) => {
          pending.set(articleFeed.article.id, articleFeed);
          if (!frame) frame = requestAnimationFrame(flush);
        },
        error: setError,
        complete: () => setResyncs((n) => n + 1),
      },
    );
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [filterKey, resyncs]);

  const more = () => {
    if (!listing?.hasNextPage || loadingMore.current) return;
    loadingMore.current = true;
    request(ArticlesQuery, { first: PAGE, after: listing.endCursor, filter })
      .then((d) =>
        setListing((current) => {
          if (!current) return current;
          // Rows the feed added since may come again on this page.
          const listed = new Set(current.rows.map((r) => r.id));
          return {
            rows: [...current.rows, ...d.articles.edges.map((e) => e.node).filter((n) => !listed.has(n.id))],
            totalCount: d.articles.totalCount,
            endCursor: d.articles.pageInfo.endCursor ?? null,
            hasNextPage: d.articles.pageInfo.hasNextPage,
          };
        }),
      )
      .catch(setError)
      .finally(() => (loadingMore.current = false));
  };

  return (
    <div class="view articles">
      <Filters filter={filter} onChange={setFilter} />
      {filter.batchId && (
        <p class="muted">
          Batch {filter.batchId} ·{' '}
          <button type="button" class="link" onClick={() => setFilter(({ batchId: _batch, ...rest }) => rest)}>
            show every batch
          </button>
        </p>
      )}
      {error && <ErrorState error={error} />}
      {!listing ? (
        !error && <Loading what="articles" />
      ) : listing.rows.length === 0 ? (
        <Empty>No articles match. Submit one on the Submit page.</Empty>
      ) : (
        <>
          <p class="muted" data-testid="total">
            {listing.totalCount.toLocaleString('en-US')} articles
          </p>
          <div class="row head">
            <span class="c-title">title</span>
            <span class="c-status">status</span>
            <span class="c-progress">progress</span>
            <span class="c-priority">priority</span>
            <span class="c-cost">cost</span>
            <span class="c-time">created</span>
          </div>
          <VirtualList
            items={listing.rows}
            rowHeight={36}
            height={Math.max(300, innerHeight - 260)}
            onEnd={more}
            row={(a) => (
              <a class="row" href={`#/articles/${a.id}`} data-id={a.id}>
                <span class="c-title">{a.title}</span>
                <span class="c-status">
                  <Badge value={a.status} />
                </span>
                <span class="c-progress">
                  <Progress value={a.status === 'COMPLETED' ? 1 : (a.job?.progress ?? 0)} />
                </span>
                <span class="c-priority">{a.priority}</span>
                <span class="c-cost">{usd(a.costUsd)}</span>
                <span class="c-time">{time(a.createdAt)}</span>
              </a>
            )}
          />
        </>
      )}
    </div>
  );
}

type FeedEvent = DashArticleFeedSubscription['articleFeed'];

/** A row after a feed event: the event's article and job; the cost stays as last read (the feed does not carry it). */
function applyEvent(row: DashArticleRowFragment, e: FeedEvent): DashArticleRowFragment {
  return { ...row, ...e.article, job: e.job ? { ...e.job, progress: e.progress } : row.job };
}

/**
 * Listed rows keep changing status after they stop matching a status filter (the row shows where
 * its article went), so the feed is asked without it; an upper date bound has no live articles.
 */
function feedFilter(filter: ArticleFilter): ArticleFilter {
  const { createdBefore: _before, status: _status, ...rest } = filter;
  return rest;
}

function Filters({ filter, onChange }: { filter: ArticleFilter; onChange: (f: ArticleFilter) => void }) {
  const [search, setSearch] = useState(filter.search ?? '');
  const set = (change: Partial<ArticleFilter>) => {
    const next: Record<string, unknown> = { ...filter, ...change };
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] == null) delete next[k];
    onChange(next as ArticleFilter);
  };
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        set({ search: search.trim() });
      }}
    >
      <input
        type="search"
        placeholder="Search title and content"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <select
        aria-label="status"
        value={filter.status ?? ''}
        onChange={(e) => set({ status: (e.currentTarget.value || null) as ArticleStatus })}
      >
        <option value="">any status</option>
        {STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <select
        aria-label="priority"
        value={filter.priority ?? ''}
        onChange={(e) => set({ priority: (e.currentTarget.value || null) as Priority })}
      >
        <option value="">any priority</option>
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <label>
        from{' '}
        <input
          type="date"
          value={filter.createdAfter?.slice(0, 10) ?? ''}
          onChange={(e) => set({ createdAfter: day(e.currentTarget.value) })}
        />
      </label>
      <label>
        to{' '}
        <input
          type="date"
          value={filter.createdBefore ? new Date(Date.parse(filter.createdBefore) - 86_400_000).toISOString().slice(0, 10) : ''}
          onChange={(e) => set({ createdBefore: day(e.currentTarget.value, 1) })}
        />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

/** A date input's day as an instant: its start, or the start of the next day for an upper bound. */
const day = (value: string, plusDays = 0) =>
  value ? new Date(Date.parse(`${value}T00:00:00Z`) + plusDays * 86_400_000).toISOString() : null;
