// Bundles the dashboard into dist/public, which the API serves at `/` (src/api/pages.ts).
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}dashboard`;
const out = `${root}dist/public`;

await rm(out, { recursive: true, force: true });
await mkdir(`${out}/assets`, { recursive: true });
await build({
  entryPoints: { app: `${source}/src/main.tsx`, styles: `${source}/styles.css` },
  outdir: `${out}/assets`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(`${source}/index.html`, `${out}/index.html`);
