// Bundles the dashboard into dist/public, which the API serves at `/` (src/api/pages.ts), and
// the API reference page (Scalar) served at `/docs`, with its assets under /assets/docs/.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getThemeStyles } from '@scalar/themes';
import { extractInjectedCss } from './extractInjectedCss.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}dashboard`;
const out = `${root}dist/public`;

/**
 * The one inline <style> Scalar renders: its theme (no custom CSS, no web fonts), exactly as its
 * ApiReference component composes it. The page's CSP allows this text by its hash and no other.
 */
function referenceThemeStyleHash() {
  const text = `\n${getThemeStyles('default', { fonts: false })}`.replace(/<\/style/gi, '<\\/style');
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const common = { bundle: true, minify: true, format: 'esm', target: 'es2020', legalComments: 'none', logLevel: 'warning' };

await rm(out, { recursive: true, force: true });
await mkdir(`${out}/assets`, { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { app: `${source}/src/main.tsx`, styles: `${source}/styles.css` },
    outdir: `${out}/assets`,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'linked',
  }),
  // Scalar and Vue: code split, so the parts Scalar loads on demand stay out of the first load.
  // No source maps: it is library code, and its maps would be several times its size.
  build({
    ...common,
    entryPoints: { docs: `${source}/src/apiReference/main.ts` },
    outdir: `${out}/assets/docs`,
    splitting: true,
    plugins: [extractInjectedCss],
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
  }),
]);
await copyFile(`${source}/index.html`, `${out}/index.html`);
await copyFile(`${source}/docs.html`, `${out}/docs.html`);
await writeFile(`${out}/docs-csp.json`, `${JSON.stringify({ styleHashes: [referenceThemeStyleHash()] })}\n`);
