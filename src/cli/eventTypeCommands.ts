import { EVENT_TYPE_CATALOGUE } from '../events/eventTypes';
import type { Command } from './command';

export const EVENT_TYPES_USAGE = '  event-types list  [--json]                          the catalogue: priority, required data fields (--json: with each JSON Schema)';

export const EVENT_TYPE_COMMANDS: Record<string, Command> = {
  'event-types list': {
    required: [],
    flags: ['json'],
    async run({ options, out }) {
      if (options.json) {
        out(JSON.stringify(EVENT_TYPE_CATALOGUE, null, 2));
        return;
      }
      out(['name', 'priority', 'kind', 'required', 'description'].join('\t'));
      for (const t of EVENT_TYPE_CATALOGUE) {
        const required = (t.schema.required as string[] | undefined)?.join(',') || '-';
        out([t.name, t.priority, t.operational ? 'operational' : 'published', required, t.description].join('\t'));
      }
    },
  },
};
