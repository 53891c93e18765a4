import type { Knex } from 'knex';
import type { Config } from '../config';

export interface CommandContext {
  db: Knex;
  config: Config;
  options: Record<string, string>;
  out: (line: string) => void;
}

export interface Command {
  required: string[];
  /** Options that take no value (`--dry-run`). */
  flags?: string[];
  run(ctx: CommandContext): Promise<void>;
}
