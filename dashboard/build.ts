import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the API serves /dashboard from (src/runtime points the server here). */
export const DASHBOARD_DIST = join(HERE, '..', 'dist', 'dashboard');

/**
 * Bundles the dashboard (Preact, uPlot, graphql-ws) into one hashed script and one stylesheet plus
 * index.html. Runs on `npm install` (prepare) and `npm run build:dashboard`.
 */
export async function buildDashboard(outDir = DASHBOARD_DIST): Promise<{ files: string[] }> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, 'src', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
  const script = files.find((f) => f.endsWith('.js'));
  const style = files.find((f) => f.endsWith('.css'));
  if (!script || !style) throw new Error(`dashboard build produced ${files.join(', ')}`);
  await writeFile(join(outDir, 'index.html'), page(script, style));
  return { files: await readdir(outDir) };
}

function page(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Distill</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="./${style}">
<script type="module" src="./${script}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files } = await buildDashboard();
  console.log(`dashboard built in ${DASHBOARD_DIST}: ${files.join(', ')}`);
}
