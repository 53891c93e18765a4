// Response shapes the dashboard reads (the API's JSON).

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface Circuit {
  state: CircuitState;
  consecutive_failures: number;
  opened_at: string | null;
  half_open_at: string | null;
  in_flight: number;
  queued: number;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  name: string;
  description: string | null;
  active: boolean;
  max_concurrency: number;
  created_at: string;
  updated_at: string;
  secret: string;
  headers?: Record<string, string> | null;
  rate_limit_per_s?: number | null;
  disabled_reason?: string | null;
  disabled_at?: string | null;
  circuit?: Circuit;
}

export interface Stats {
  total_deliveries: number;
  successful_deliveries: number;
  failed_deliveries: number;
  success_rate: number;
  avg_duration_ms: number | null;
  last_24h_deliveries: number;
  last_24h_success_rate: number;
}

export interface Delivery {
  id: string;
  webhook_id: string;
  event_id: string;
  event?: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  error_message: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface Attempt {
  attempt_number: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error_message: string | null;
  response_body: string | null;
  trigger: string;
}

export interface Bucket {
  start: string;
  succeeded: number;
  failed: number;
  pending: number;
  attempts: number;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
}

export interface Session {
  kind: 'api_key' | 'portal';
  tenant_id: string;
  read_only: boolean;
  webhook_ids: string[] | null;
  expires_at: string | null;
}
