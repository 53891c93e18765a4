/** What the server wrote into the page (src/api/pages.ts): public settings, nothing secret. */
export interface PageConfig {
  event_types: string[];
  temporal_ui_url: string;
  temporal_namespace: string;
}

export function readPageConfig(): PageConfig {
  const text = document.getElementById('dashboard-config')?.textContent ?? '{}';
  try {
    return { event_types: [], temporal_ui_url: '', temporal_namespace: 'default', ...JSON.parse(text) };
  } catch {
    return { event_types: [], temporal_ui_url: '', temporal_namespace: 'default' };
  }
}

/** The Temporal Web UI's list of workflows filtered to one workflow id. */
export function temporalWorkflowUrl(config: PageConfig, workflowId: string): string {
  const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
  return `${config.temporal_ui_url}/namespaces/${encodeURIComponent(config.temporal_namespace)}/workflows?query=${query}`;
}
