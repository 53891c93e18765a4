import { Agent, request } from 'undici';
import { signatureHeaders } from '../src/security/signing';
import { generateWebhookSecret } from '../src/security/secrets';
import { pool } from './measure';

/**
 * The same signed POSTs sent by a plain undici loop at the same concurrency, with no Temporal
 * and no Postgres: what the network and receiver allow. A 503 is retried at once.
 */
export async function baselinePerSecond(url: string, deliveries: number, concurrency: number): Promise<number> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ event: 'memory.created', timestamp: new Date().toISOString(), tenant_id: 'bench', data: { memory_id: 'm' } });
  const started = Date.now();
  try {
    await pool(deliveries, concurrency, async (i) => {
      for (;;) {
        const headers = { ...signatureHeaders([secret], `del_${i}`, Math.floor(Date.now() / 1000), body), 'content-type': 'application/json' };
        const response = await request(url, { method: 'POST', body, headers, dispatcher: agent });
        await response.body.dump();
        if (response.statusCode < 300) return;
      }
    });
  } finally {
    await agent.close();
  }
  return Math.round(deliveries / ((Date.now() - started) / 1000));
}
