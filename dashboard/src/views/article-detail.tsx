import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request, subscribe } from '../api.js';
import { count, duration, time, usd } from '../format.js';
import type { DashArticleEventsSubscription } from '../generated/graphql.js';
import { useQuery } from '../hooks.js';
import { ArticleEventsSubscription, ArticleQuery, CancelArticleMutation, RetryArticleMutation } from '../operations.js';
import { Badge, Progress } from '../ui/badge.js';
import { Empty, ErrorState, Loading } from '../ui/states.js';

type LiveEvent = DashArticleEventsSubscription['articleEvents'];

export function ArticleDetail({ id }: { id: string }) {
  const article = useQuery(ArticleQuery, { id });
  const live = useArticleEvents(id, article.refetch);
  const [action, setAction] = useState<{ message: string; ok: boolean } | null>(null);

  if (!article.data)
    return article.error ? <ErrorState error={article.error} retry={article.refetch} /> : <Loading what="the article" />;
  const a = article.data.article;
  if (!a) return <Empty>No article {id}. It may have been deleted, or belong to another tenant.</Empty>;

  const status = live.last?.article.status ?? a.status;
  const summary = live.summary ?? live.last?.article.summary ?? a.summary;
  const keywords = live.last?.article.keywords ?? a.keywords;
  const sentiment = live.last?.article.sentiment ?? a.sentiment;
  const act = async (kind: 'retry' | 'cancel') => {
    setAction(null);
    try {
      const result =
        kind === 'retry'
          ? (await request(RetryArticleMutation, { id })).retryArticle
          : (await request(CancelArticleMutation, { id })).cancelArticle;
      const ok = result.__typename === 'RetryArticlePayload' || result.__typename === 'CancelArticlePayload';
      setAction({
        ok,
        message: ok ? (kind === 'retry' ? 'Queued again' : 'Cancelled') : 'message' in result ? result.message : '',
      });
      article.refetch();
    } catch (err) {
      setAction({ ok: false, message: (err as ApiError).message });
    }
  };

  return (
    <div class="view detail">
      <header class="detail-head">
        <h1>{a.title}</h1>
        <Badge value={status} />
        <Progress value={status === 'COMPLETED' ? 1 : (live.last?.progress ?? a.jobs[0]?.progress ?? 0)} />
        <span class="spacer" />
        <button type="button" disabled={status !== 'FAILED' && status !== 'CANCELLED'} onClick={() => void act('retry')}>
          Retry
        </button>
        <button type="button" disabled={status !== 'PENDING' && status !== 'PROCESSING'} onClick={() => void act('cancel')}>
          Cancel
        </button>
      </header>
      {action && <p class={action.ok ? 'notice' : 'state error'}>{action.message}</p>}
      {live.error && <ErrorState error={live.error} />}
      <p class="muted">
        {a.priority} · created {time(a.createdAt)} · <a href={a.sourceUrl}>{a.sourceUrl}</a> · cost{' '}
        {usd(live.last?.article.costUsd ?? a.costUsd)}
      </p>
      {(live.last?.article.error ?? a.error) && <p class="state error">{live.last?.article.error ?? a.error}</p>}
      <section class="panel">
        <h2>Summary</h2>
        {summary ? (
          <p class="summary" data-testid="summary">
            {summary}
          </p>
        ) : (
          <p class="muted">{status === 'PROCESSING' || status === 'PENDING' ? 'Waiting for the model…' : 'No summary.'}</p>
        )}
        <p>
          {keywords.map((k) => (
            <span class="chip" key={k}>
              {k}
            </span>
          ))}
          {sentiment && <Badge value={sentiment} />}
        </p>
      </section>
      <div class="two">
        <section class="panel">
          <h2>Timeline</h2>
          <ol class="timeline" data-testid="timeline">
            {live.events.map((e, i) => (
              <li key={i} class={`t-${e.type.toLowerCase()}`}>
                <time>{time(e.at)}</time> <strong>{e.type}</strong>
                {e.step && <> {e.step}</>}
                {e.job && e.job.attempt > 0 && <span class="muted"> attempt {e.job.attempt}</span>}
                {e.error && <div class="err">{e.error}</div>}
              </li>
            ))}
          </ol>
        </section>
        <section class="panel">
          <h2>Jobs</h2>
          {a.jobs.map((j) => (
            <div key={j.id} class="job">
              <p>
                Job {j.id} · attempt {j.attempt}/{j.maxAttempts} <Badge value={j.state} /> · {duration(j.durationMs)}
                {j.workerId && <span class="muted"> on {j.workerId}</span>}
              </p>
              {j.error && (
                <p class="err">
                  {j.errorKind}: {j.error}
                </p>
              )}
              <table class="compact">
                <tbody>
                  {j.steps.map((s) => (
                    <tr key={s.name}>
                      <td>{s.name}</td>
                      <td>
                        <Badge value={s.state} />
                      </td>
                      <td>{s.model ?? '—'}</td>
                      <td>{s.cached ? 'cached' : ''}</td>
                      <td>{s.startedAt && s.finishedAt ? duration(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : '—'}</td>
                      <td class="err">{s.error}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </section>
      </div>
      <section class="panel">
        <h2>LLM calls</h2>
        {a.llmCalls.length === 0 ? (
          <Empty>No calls yet.</Empty>
        ) : (
          <table data-testid="calls">
            <thead>
              <tr>
                <th>step</th>
                <th>attempt</th>
                <th>model</th>
                <th>prompt</th>
                <th>in</th>
                <th>out</th>
                <th>latency</th>
                <th>cost</th>
              </tr>
            </thead>
            <tbody>
              {a.llmCalls.map((c, i) => (
                <tr key={i}>
                  <td>
                    {c.step}
                    {c.callIndex > 0 && ` #${c.callIndex}`}
                  </td>
                  <td>{c.attempt}</td>
                  <td>
                    {c.provider}:{c.model}
                  </td>
                  <td>{c.promptVersion}</td>
                  <td>{count(c.inputTokens)}</td>
                  <td>{count(c.outputTokens)}</td>
                  <td>{duration(c.latencyMs)}</td>
                  <td>{c.cached ? `cached (saved ${usd(c.savedUsd)})` : usd(c.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <details>
        <summary>Content</summary>
        <pre class="content">{a.content}</pre>
      </details>
    </div>
  );
}

/**
 * The article's logged events from the first (its timeline), then live ones; the summary as the
 * model writes it. After a dropped connection it resumes after the last event it saw (`afterSeq`).
 */
function useArticleEvents(id: string, refetch: () => void) {
  const [state, setState] = useState<{ events: LiveEvent[]; last?: LiveEvent; summary?: string; error?: ApiError }>({
    events: [],
  });
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => {
    setState({ events: [] });
    const variables = { id, afterSeq: 0 };
    let attempt = 0;
    let text = '';
    return subscribe(ArticleEventsSubscription, variables, {
      next: ({ articleEvents: e }) => {
        variables.afterSeq = Math.max(variables.afterSeq, e.seq);
        if (e.type === 'SUMMARY_DELTA') {
          if (e.job && e.job.attempt !== attempt) {
            attempt = e.job.attempt;
            text = '';
          }
          text += e.delta ?? '';
          const summary = text;
          return setState((s) => ({ ...s, summary }));
        }
        // Steps, jobs and calls change with these: read them again (once for a burst).
        clearTimeout(refetchTimer.current);
        refetchTimer.current = setTimeout(refetch, 200);
        setState((s) => ({
          events: e.type === 'STEP_STARTED' ? s.events : [...s.events, e],
          last: e,
          summary: e.article.summary ?? (e.type === 'RETRYING' || e.type === 'QUEUED' ? undefined : s.summary),
        }));
      },
      error: (error) => setState((s) => ({ ...s, error })),
    });
  }, [id]);
  useEffect(() => () => clearTimeout(refetchTimer.current), []);
  return state;
}
