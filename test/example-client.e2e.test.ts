import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const run = promisify(execFile);

// The example client as a user runs it: its own process, the real server, only the public API.
describe.each(availableBackends().slice(0, 1))('the example client (examples/client) on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(backend);
  });
  afterAll(() => sys.stop());

  it('submits a batch, follows it to the end over graphql-ws and pages through the results', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/client/batch.ts', '30'], {
      env: { ...process.env, DISTILL_URL: `${sys.url}/graphql` },
      timeout: 50_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^batch [0-9a-f-]{36}: 30 articles queued$/);
    expect(lines).toContain('progress: 30 completed, 0 failed of 30');
    const articles = lines.filter((l) => l.startsWith('#'));
    // Two pages of 25 and 5, every article once, each with its summary.
    expect(articles).toHaveLength(30);
    expect(new Set(articles.map((l) => l.split(' ')[0])).size).toBe(30);
    expect(articles.every((l) => / COMPLETED POSITIVE \[.+\] /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^done: cost \$\d+\.\d{6}$/);
  });
});
