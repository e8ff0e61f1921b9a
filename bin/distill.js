#!/usr/bin/env node
// `distill <command>`: runs the TypeScript CLI in this process (tsx registers the loader).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
