// @scalar/use-toasts is built with vite-plugin-css-injected-by-js: on import it writes its CSS into
// a new <style> element, which the reference page's CSP refuses. This esbuild plugin takes that CSS
// out of the module and bundles it into the page's CSS file. Only the packages listed are read (a
// plugin that looked at every module would double the bundle's build time); another package that
// starts injecting shows up as a refused style-src-elem in the page's browser test.
import { readFile } from 'node:fs/promises';

const MARKER = 'vite-plugin-css-injected-by-js';
const INJECTION = /\(function\(\) \{\s*try \{\s*if \(typeof document != "undefined"\) \{\s*var elementStyle = document\.createElement\("style"\);\s*elementStyle\.appendChild\(document\.createTextNode\(("(?:[^"\\]|\\.)*")\)\);\s*document\.head\.appendChild\(elementStyle\);\s*\}\s*\} catch \(e\) \{\s*console\.error\("vite-plugin-css-injected-by-js", e\);\s*\}\s*\}\)\(\);/;
const NAMESPACE = 'extracted-css';
const INJECTING_MODULES = /[\\/]node_modules[\\/]@scalar[\\/]use-toasts[\\/]dist[\\/]index\.js$/;

export const extractInjectedCss = {
  name: 'extract-injected-css',
  setup(build) {
    const extracted = new Map();
    build.onLoad({ namespace: 'file', filter: INJECTING_MODULES }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      const match = INJECTION.exec(code);
      // A new version that injects differently would have its CSS refused: say so at build time.
      if (!match) {
        if (code.includes(MARKER)) throw new Error(`${args.path} injects CSS in a way this build does not recognise`);
        return undefined;
      }
      extracted.set(args.path, JSON.parse(match[1]));
      return { contents: `import ${JSON.stringify(`${NAMESPACE}:${args.path}`)};\n${code.replace(match[0], '')}`, loader: 'js' };
    });
    build.onResolve({ filter: new RegExp(`^${NAMESPACE}:`) }, (args) => ({ path: args.path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: extracted.get(args.path), loader: 'css' }));
  },
};
