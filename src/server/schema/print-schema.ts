import { writeFileSync } from 'node:fs';
import { printSchemaSdl } from './index.js';

// `npm run schema:print`: rewrites schema.graphql from the code (a test fails when they drift).
writeFileSync(new URL('../../../schema.graphql', import.meta.url), printSchemaSdl());
console.log('schema.graphql written');
