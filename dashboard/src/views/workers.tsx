import { age, count, time } from '../format.js';
import { useNow, useQuery } from '../hooks.js';
import { WorkersQuery } from '../operations.js';
import { Badge } from '../ui/badge.js';
import { Empty, Panel } from '../ui/states.js';

export function Workers() {
  const workers = useQuery(WorkersQuery, {}, { pollMs: 2_000 });
  const now = useNow(1_000);
  return (
    <div class="view workers">
      <Panel title="Workers" what="workers" data={workers.data} error={workers.error} retry={workers.refetch}>
        {(d) =>
          d.workers.length === 0 ? (
            <Empty>
              No worker has sent a heartbeat. Start one with <code>npm run work</code>.
            </Empty>
          ) : (
            <table data-testid="workers">
              <thead>
                <tr>
                  <th>worker</th>
                  <th>state</th>
                  <th>heartbeat</th>
                  <th>in flight</th>
                  <th>processed</th>
                  <th>failed</th>
                  <th>host</th>
                  <th>started</th>
                  <th>version</th>
                </tr>
              </thead>
              <tbody>
                {d.workers.map((w) => (
                  <tr key={w.id} data-worker={w.id} class={w.state === 'lost' ? 'lost' : ''}>
                    <td>{w.id}</td>
                    <td>
                      <Badge value={w.state} />
                    </td>
                    <td>{age(w.lastSeenAt, now)} ago</td>
                    <td>
                      {w.inFlight} / {w.concurrency}
                    </td>
                    <td>{count(w.processed)}</td>
                    <td>{count(w.failed)}</td>
                    <td>{w.host}</td>
                    <td>{time(w.startedAt)}</td>
                    <td>{w.version}</td>
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
