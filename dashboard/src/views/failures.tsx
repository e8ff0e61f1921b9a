import { useState } from 'preact/hooks';
import { request, type ApiError } from '../api.js';
import { time } from '../format.js';
import { useQuery } from '../hooks.js';
import { FailuresQuery, RetryFailedMutation } from '../operations.js';
import { Empty, Panel } from '../ui/states.js';

export function Failures() {
  const [kind, setKind] = useState<string | null>(null);
  const failures = useQuery(FailuresQuery, { errorKind: kind }, { pollMs: 5_000 });
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(null);

  const retry = async (errorKind: string | null) => {
    setNotice(null);
    try {
      const { retryArticles: r } = await request(RetryFailedMutation, { errorKind });
      setNotice(
        r.__typename === 'RetryArticlesPayload'
          ? { ok: true, message: `${r.queued} article${r.queued === 1 ? '' : 's'} queued again` }
          : { ok: false, message: r.message },
      );
      failures.refetch();
    } catch (err) {
      setNotice({ ok: false, message: (err as ApiError).message });
    }
  };

  return (
    <div class="view failures">
      {notice && <p class={notice.ok ? 'notice' : 'state error'}>{notice.message}</p>}
      <Panel title="Failed, by error kind" what="failures" data={failures.data} error={failures.error} retry={failures.refetch}>
        {(d) =>
          d.failureGroups.length === 0 ? (
            <Empty>Nothing has failed. Failed articles appear here, grouped by why.</Empty>
          ) : (
            <table data-testid="failure-groups">
              <thead>
                <tr>
                  <th>error kind</th>
                  <th>articles</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.failureGroups.map((g) => (
                  <tr key={g.errorKind} class={kind === g.errorKind ? 'selected' : ''}>
                    <td>
                      <button type="button" class="link" onClick={() => setKind(kind === g.errorKind ? null : g.errorKind)}>
                        {g.errorKind}
                      </button>
                    </td>
                    <td>{g.count}</td>
                    <td>
                      <button type="button" onClick={() => void retry(g.errorKind)}>
                        Retry all {g.errorKind}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      <Panel title={kind ? `Failed jobs: ${kind}` : 'Failed jobs'} what="failed jobs" data={failures.data} error={undefined}>
        {(d) =>
          d.jobs.edges.length === 0 ? (
            <Empty>No failed jobs.</Empty>
          ) : (
            <table data-testid="failed-jobs">
              <thead>
                <tr>
                  <th>article</th>
                  <th>kind</th>
                  <th>error</th>
                  <th>attempt</th>
                  <th>failed at</th>
                </tr>
              </thead>
              <tbody>
                {d.jobs.edges.map(({ node: j }) => (
                  <tr key={j.id}>
                    <td>
                      <a href={`#/articles/${j.article.id}`}>{j.article.title}</a>
                    </td>
                    <td>{j.errorKind}</td>
                    <td class="err">{j.error}</td>
                    <td>{j.attempt}</td>
                    <td>{time(j.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
    </div>
  );
}
