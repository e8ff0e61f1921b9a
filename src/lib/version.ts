import { readFileSync } from 'node:fs';

/** Distill's version, from package.json (workers report it in their heartbeats). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
