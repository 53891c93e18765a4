// The API reference page at /docs: Scalar renders the OpenAPI document this server serves.
// Everything it needs is in this bundle; nothing is fetched from another host.
import type { AnyApiReferenceConfiguration } from '@scalar/types/api-reference';
import '@scalar/api-reference/style.css';
import { z } from 'zod';

/**
 * Scalar's defaults reach out to its own services: web fonts, a request proxy, telemetry,
 * "Agent Scalar" and the developer toolbar (both switched on for local URLs), an MCP button.
 * All of that is off here; requests tried from the page go straight to this server.
 */
const REFERENCE_CONFIGURATION: AnyApiReferenceConfiguration = {
  url: '/api/v1/openapi.json',
  title: 'Continuum Webhooks API',
  // The document names no server (it is served by the one it describes): samples use this one.
  servers: [{ url: window.location.origin }],
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  mcp: { disabled: true },
  // No request client: "Open API Client" leads to Scalar's hosted one, and the in-page one's body
  // editor (CodeMirror) writes <style> elements the page's CSP refuses. Each operation still shows
  // its request as curl and in other languages.
  hideClientButton: true,
  hideTestRequestButton: true,
  // Operations are named by their paths in the sidebar: the page doubles as a map of the routes.
  operationTitleSource: 'path',
};

// Scalar validates with zod, which otherwise probes for eval (new Function) the first time it
// parses; some of Scalar's modules parse as they load. The page's CSP refuses eval and reports the
// probe, and zod's interpreted mode needs none. So zod is told first, and Scalar loaded after:
// a static import would run Scalar's modules before this line.
z.config({ jitless: true });

const root = document.getElementById('api-reference');
if (root) {
  import('./scalar.js').then(({ createApiReference }) => {
    root.textContent = '';
    createApiReference(root, REFERENCE_CONFIGURATION);
  }, (error: Error) => {
    root.textContent = `The API reference could not load: ${error.message}`;
  });
}
