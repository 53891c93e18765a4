import { Client } from 'pg';
import type { Logger } from 'pino';
import { PERMIT_BLOCK_CHANNEL } from '../db/repositories/permitQueue';

const RECONNECT_MS = 1000;

/**
 * Hears publishes' notices for the blocks of permits this process holds (LISTEN on a connection
 * of its own). A notice missed while it reconnects costs only time: a block claims again as its
 * permits come back, and the sweep wakes rows left waiting.
 */
export class BlockListener {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly databaseUrl: string, private readonly onNotice: (webhookId: string) => void, private readonly log: Logger) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel === PERMIT_BLOCK_CHANNEL && message.payload) this.onNotice(message.payload);
    });
    client.on('error', (err) => this.reconnect(client, err));
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${PERMIT_BLOCK_CHANNEL}`);
      this.client = client;
    } catch (err) {
      this.reconnect(client, err);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(client: Client, err?: unknown): void {
    if (this.stopped || this.retry || (this.client !== null && this.client !== client)) return;
    this.log.debug({ err }, 'the block listener lost its connection; it reconnects');
    this.client = null;
    void client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, RECONNECT_MS);
  }
}
