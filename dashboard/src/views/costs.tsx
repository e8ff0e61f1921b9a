import { useMemo, useState } from 'preact/hooks';
import { toCsv } from '../csv.js';
import { count, usd, utcDay } from '../format.js';
import type { DashCostsQuery } from '../generated/graphql.js';
import { useQuery } from '../hooks.js';
import { CostsQuery } from '../operations.js';
import { Empty, Panel } from '../ui/states.js';

const RANGES = [1, 7, 30, 90];
const DAY = 86_400_000;

export function Costs() {
  const [days, setDays] = useState(30);
  const range = useMemo(() => {
    const to = utcDay(Date.now()).getTime() + DAY;
    return { days, from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
  }, [days]);
  const costs = useQuery(CostsQuery, range);
  const rows = useMemo(() => (costs.data ? dailyRows(costs.data.daily) : []), [costs.data]);

  return (
    <div class="view costs">
      <div class="filters">
        {RANGES.map((d) => (
          <button type="button" key={d} class={d === days ? 'active' : ''} onClick={() => setDays(d)}>
            {d === 1 ? 'today' : `${d} days`}
          </button>
        ))}
        <span class="spacer" />
        <button type="button" disabled={rows.length === 0} onClick={() => download(`distill-costs-${days}d.csv`, rows)}>
          Export CSV
        </button>
      </div>
      <Panel title="Spend" what="costs" data={costs.data} error={costs.error} retry={costs.refetch}>
        {(d) => (
          <>
            <p class="big" data-testid="total-spend">
              {usd(d.costReport.totalUsd)}{' '}
              <span class="muted">
                over {count(d.costReport.calls)} calls for {count(d.costReport.articles)} articles
              </span>
            </p>
            <p class="muted">
              {usd(d.costReport.avgPerArticleUsd)} per article · {count(d.costReport.totalTokens)} tokens · cache saved{' '}
              {usd(d.costReport.savedUsd)} ({count(d.costReport.cachedCalls)} calls)
            </p>
            <div class="two">
              <Groups title="By model" groups={d.costReport.byModel} />
              <Groups title="By step" groups={d.costReport.byStep} />
            </div>
          </>
        )}
      </Panel>
      <Panel title="By day, model and step" what="daily costs" data={costs.data} error={undefined}>
        {() =>
          rows.length === 0 ? (
            <Empty>No spend in this range.</Empty>
          ) : (
            <table data-testid="daily">
              <thead>
                <tr>
                  {HEADER.map((h) => (
                    <th key={h}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td>{r[0]}</td>
                    <td>{r[1]}</td>
                    <td>{r[2]}</td>
                    <td>{usd(r[3])}</td>
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

function Groups({ title, groups }: { title: string; groups: DashCostsQuery['costReport']['byModel'] }) {
  return (
    <section>
      <h3>{title}</h3>
      {groups.length === 0 ? (
        <Empty>No calls.</Empty>
      ) : (
        <table class="compact">
          <tbody>
            {groups.map((g) => (
              <tr key={g.key}>
                <td>{g.key}</td>
                <td>{usd(g.usd)}</td>
                <td class="muted">
                  {count(g.calls)} calls · {count(g.tokens)} tokens
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const HEADER = ['day', 'model', 'step', 'usd'];
type Row = [string, string, string, number];

/** Day × model × step rows with spend, newest day first. */
function dailyRows(series: DashCostsQuery['daily']): Row[] {
  const rows: Row[] = [];
  for (const s of series) {
    const label = (name: string) => s.labels.find((l) => l.name.toUpperCase() === name)?.value ?? '';
    for (const p of s.points) if (p.v > 0) rows.push([p.t.slice(0, 10), label('MODEL'), label('STEP'), p.v]);
  }
  return rows.sort((a, b) => b[0].localeCompare(a[0]) || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]));
}

function download(name: string, rows: Row[]): void {
  const blob = new Blob([toCsv([HEADER, ...rows.map((r) => [r[0], r[1], r[2], r[3].toFixed(6)])])], { type: 'text/csv' });
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1_000);
}
