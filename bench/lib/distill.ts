import { connect } from '@nats-io/transport-node';
import { spawnDistill, type DistillProcess } from '../../test/support/processes.js';
import type { BenchEnvironment } from './environment.js';
import { postJson } from './http.js';
import { NATS_URL } from './environment.js';

export interface DistillDeployment {
  apiUrl: string;
  api: DistillProcess;
  worker: DistillProcess | undefined;
  stop(): Promise<void>;
}

/** The API key of each started deployment (its environment's), by API URL. */
const keyOf = new Map<string, string>();

/** Remembers which key a started API accepts (startDistill does it; profile.ts starts its own). */
export const registerApiKey = (apiUrl: string, key: string) => keyOf.set(apiUrl, key);

/** The Authorization header for a deployment's API. */
export const authHeaders = (apiUrl: string): Record<string, string> => ({ authorization: `Bearer ${keyOf.get(apiUrl)}` });

/** `serve` (and optionally `work`) as separate processes, like a production deployment. */
export async function startDistill(
  environment: BenchEnvironment,
  options: { worker: boolean; workerEnv?: Record<string, string> },
): Promise<DistillDeployment> {
  const api = spawnDistill('serve', environment.env);
  const ready = await api.waitForLog((l) => typeof l.url === 'string');
  const apiUrl = (ready.url as string).replace(/\/graphql$/, '');
  registerApiKey(apiUrl, environment.apiKey);
  let worker: DistillProcess | undefined;
  if (options.worker) {
    worker = spawnDistill('work', { ...environment.env, ...options.workerEnv });
    await worker.waitForLog((l) => l.msg === 'worker started');
  }
  for (const p of [api, worker]) p?.ignoreLogs();
  return {
    apiUrl,
    api,
    worker,
    stop: async () => {
      for (const p of [api, worker]) p?.kill('SIGKILL');
      await Promise.all([api.exited, worker?.exited]);
    },
  };
}

const SUBMIT = `mutation ($input: SubmitArticleInput!) { submitArticle(input: $input) { __typename ... on SubmitArticlePayload { article { id } job { id } } } }`;

export const benchContent = (i: number) =>
  `Story ${i}. The company reported record profits this quarter. Growth was strong across every region. ` +
  `Analysts praise the results and expect further gains. Shares rise sharply on the news.`;

/** submitArticle over GraphQL (article `i`: the same `i` is the same content); resolves with the article id. */
export async function submitArticle(
  apiUrl: string,
  i: number,
  priority: 'HIGH' | 'NORMAL' | 'LOW' = 'NORMAL',
  cache = true,
): Promise<number> {
  const input = { title: `Story ${i}`, content: benchContent(i), sourceUrl: `https://bench.example/${i}`, priority, cache };
  const body = await postJson<{ data?: { submitArticle: { article?: { id: string } } } }>(
    `${apiUrl}/graphql`,
    { query: SUBMIT, variables: { input } },
    authHeaders(apiUrl),
  );
  const id = body.data?.submitArticle.article?.id;
  if (!id) throw new Error(`submit failed: ${JSON.stringify(body)}`);
  return Number(id);
}

// Matches the COMPLETED event (its type, and its article's status), not STEP_COMPLETED; whatever the
// JSON's spacing (logged events are published as PostgreSQL renders them).
const COMPLETED = Buffer.from('"COMPLETED"');

/** Watches the namespace's events on NATS: when each article's COMPLETED event arrived. */
export async function watchCompletions(environment: BenchEnvironment) {
  const nc = await connect({ servers: NATS_URL });
  const completedAt = new Map<string, number>();
  const waiters: { n: number; resolve: () => void }[] = [];
  nc.subscribe(`${environment.namespace}.events.article.*`, {
    callback: (_err, msg) => {
      // Eight events per article arrive here; parse only the one that counts (the watcher shares
      // the machine's two cores with the system it measures).
      if (Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).indexOf(COMPLETED) < 0) return;
      const event = msg.json<{ type: string; articleId: number }>();
      if (event.type !== 'COMPLETED') return;
      completedAt.set(String(event.articleId), performance.now());
      for (const w of waiters.filter((w) => completedAt.size >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
  });
  await nc.flush();
  return {
    completedAt,
    /** Resolves once `n` articles completed; rejects after `timeoutMs`. */
    waitFor(n: number, timeoutMs = 300_000): Promise<void> {
      if (completedAt.size >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${completedAt.size}/${n} completed in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () => nc.close(),
  };
}
