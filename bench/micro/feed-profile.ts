/**
 * The feed fan-out scenario on an API process run with `--cpu-prof`: where the API spends its time
 * per frame. `node --import tsx bench/micro/feed-profile.ts` (profile in bench/out/feed-profile/).
 */
import path from 'node:path';
import { printTopSelfTime, startProfiledApi } from '../lib/cpu-profile.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { measureFeed } from '../scenarios/feed.js';

const dir = path.resolve('bench/out/feed-profile');
const environment = await createBenchEnvironment();
const api = await startProfiledApi(environment, dir);
try {
  console.log(JSON.stringify(await measureFeed(true, environment, api.apiUrl, api.api.child.pid!)));
} finally {
  await api.stop();
  await environment.cleanup();
}
printTopSelfTime(dir, 30);
