import { afterAll } from 'vitest';
import { openSystems } from './open-systems.js';
import { openChildren } from './processes.js';

// Registered before each file's own hooks, so it runs after them: whatever a file started and
// did not stop is stopped here, and the file fails.
afterAll(async () => {
  const systems = openSystems();
  const children = openChildren();
  await Promise.all(systems.map((s) => s.stop()));
  for (const child of children) child.kill('SIGKILL');
  if (systems.length + children.length > 0)
    throw new Error(`test file leaked ${systems.length} system(s) and ${children.length} process(es)`);
});
