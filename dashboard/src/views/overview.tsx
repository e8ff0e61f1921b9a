import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, subscribe } from '../api.js';
import { count, duration, percent, usd, utcDay } from '../format.js';
import type { DashQueueStatsSubscription } from '../generated/graphql.js';
import { useQuery } from '../hooks.js';
import { OverviewQuery, QueueStatsSubscription, WorkersQuery } from '../operations.js';
import { TimeChart } from '../ui/chart.js';
import { ErrorState, Loading, Panel } from '../ui/states.js';

const HOUR = 3_600_000;

/** The last hour, by minute, up to the current minute (the window moves with every poll). */
function lastHour(now: number) {
  const to = Math.ceil(now / 60_000) * 60_000;
  const day = utcDay(now).getTime();
  return {
    from: new Date(to - HOUR).toISOString(),
    to: new Date(to).toISOString(),
    dayFrom: new Date(day).toISOString(),
    dayTo: new Date(day + 24 * HOUR).toISOString(),
  };
}

export function Overview() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, []);
  // A new window every 5 s: the charts move with the clock (that is their polling).
  const range = useMemo(() => lastHour(now), [now]);
  const overview = useQuery(OverviewQuery, range);
  const workers = useQuery(WorkersQuery, {}, { pollMs: 3_000 });
  const queue = useQueueStats();

  const charts = useMemo(() => {
    const d = overview.data;
    if (!d) return undefined;
    const times = d.succeeded[0]?.points.map((p) => Date.parse(p.t)) ?? [];
    const ok = d.succeeded[0]?.points.map((p) => p.v) ?? [];
    const bad = d.failed[0]?.points.map((p) => p.v) ?? [];
    const p95ByTime = new Map(d.p95[0]?.points.map((p) => [Date.parse(p.t), p.v]) ?? []);
    return {
      times,
      throughput: [
        { label: 'succeeded / min', color: '#2f9e44', values: ok },
        { label: 'failed / min', color: '#e03131', values: bad },
      ],
      failureRate: [
        {
          label: 'failure rate %',
          color: '#e8590c',
          values: ok.map((v, i) => (v + bad[i]! > 0 ? (100 * bad[i]!) / (v + bad[i]!) : null)),
        },
      ],
      p95: [{ label: 'p95 duration s', color: '#1971c2', values: times.map((t) => p95ByTime.get(t) ?? null) }],
    };
  }, [overview.data]);

  const live = workers.data?.workers.filter((w) => w.state !== 'lost') ?? [];
  const lost = (workers.data?.workers.length ?? 0) - live.length;
  return (
    <div class="view overview">
      <div class="tiles">
        <Panel title="Queue" what="queue" data={queue.data} error={queue.error}>
          {(q) => (
            <table class="compact" data-testid="queue">
              <thead>
                <tr>
                  <th>priority</th>
                  <th>pending</th>
                  <th>in flight</th>
                  <th>redelivered</th>
                  <th>oldest wait</th>
                </tr>
              </thead>
              <tbody>
                {q.byPriority.map((p) => (
                  <tr key={p.priority}>
                    <td>{p.priority}</td>
                    <td>{count(p.pending)}</td>
                    <td>{count(p.inFlight)}</td>
                    <td>{count(p.redelivered)}</td>
                    <td>{duration(p.oldestWaitMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel title="Workers" what="workers" data={workers.data} error={workers.error}>
          {() => (
            <p class="big" data-testid="workers-alive">
              {live.length} alive{lost > 0 && <span class="warn"> · {lost} lost</span>}
            </p>
          )}
        </Panel>
        <Panel title="Spend" what="spend" data={overview.data} error={overview.error}>
          {(d) => <Spend today={d.today[0]?.points[0]?.v ?? 0} budget={d.budget} saved={d.costReport.savedUsd} />}
        </Panel>
      </div>
      {overview.error && !overview.data && <ErrorState error={overview.error} retry={overview.refetch} />}
      {charts ? (
        <div class="charts">
          <section class="panel">
            <h2>Throughput (last hour)</h2>
            <TimeChart title="throughput" times={charts.times} series={charts.throughput} />
          </section>
          <section class="panel">
            <h2>Failure rate</h2>
            <TimeChart title="failure rate" times={charts.times} series={charts.failureRate} unit="%" />
          </section>
          <section class="panel">
            <h2>p95 duration</h2>
            <TimeChart title="p95 duration" times={charts.times} series={charts.p95} unit="s" />
          </section>
        </div>
      ) : (
        !overview.error && <Loading what="charts" />
      )}
    </div>
  );
}

function Spend(props: {
  today: number;
  saved: number;
  budget: { limitUsd?: number | null; spentUsd: number; state: string; month: string };
}) {
  const { budget } = props;
  const share = budget.limitUsd ? Math.min(1, budget.spentUsd / budget.limitUsd) : null;
  return (
    <div data-testid="spend">
      <p>
        Today <strong>{usd(props.today)}</strong> · {budget.month} <strong>{usd(budget.spentUsd)}</strong>
        {budget.limitUsd != null && <> of {usd(budget.limitUsd)}</>}{' '}
        <span class={`badge b-${budget.state.toLowerCase()}`}>{budget.state}</span>
      </p>
      {share !== null && (
        <div class="meter" title={`${percent(share)} of the monthly budget; the line marks 80 %`}>
          <span style={{ width: `${share * 100}%` }} class={share >= 0.8 ? 'hot' : ''} />
          <i class="mark" style={{ left: '80%' }} />
        </div>
      )}
      <p class="muted">Cache saved {usd(props.saved)} in 30 days</p>
    </div>
  );
}

/** The queue stats subscription (admin): a fresh reading every 2 s over graphql-ws. */
function useQueueStats() {
  const [state, setState] = useState<{ data?: DashQueueStatsSubscription['queueStats']; error?: ApiError }>({});
  useEffect(
    () =>
      subscribe(
        QueueStatsSubscription,
        {},
        {
          next: (d) => setState({ data: d.queueStats }),
          error: (error) => setState((s) => ({ ...s, error })),
        },
      ),
    [],
  );
  return state;
}
