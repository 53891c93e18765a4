import { z } from 'zod';
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';
import { checkFilter, FILTER_OPERATORS, MAX_FILTER_BYTES, MAX_FILTER_DEPTH } from '../events/filters';

/** A webhook's `filter` (docs/delivery.md, "Filters"): each refusal names its place inside the filter. */
export const filterSchema = z.record(z.string(), z.unknown()).superRefine((filter, ctx) => {
  for (const issue of checkFilter(filter)) ctx.addIssue({ code: 'custom', path: issue.path ? issue.path.split('.') : [], message: issue.message });
}).describe(`Conditions on the event body ("event", "data.<path>") in the MongoDB query language, with ${FILTER_OPERATORS.join(', ')}; `
  + `at most ${MAX_FILTER_BYTES} bytes and ${MAX_FILTER_DEPTH} levels. An event that does not match creates no delivery for this webhook. `
  + 'Example: {"data.memory_type": "episodic", "data.importance": {"$gte": 0.7}}');

/** POST /webhooks/{id}/filter/test: a sample event (its data is not checked against the type\'s schema). */
export const filterTestSchema = z.strictObject({
  event: z.enum(SUBSCRIBABLE_EVENT_TYPES, { message: `must be one of: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` }),
  data: z.record(z.string(), z.unknown()),
});
export type FilterTestBody = z.infer<typeof filterTestSchema>;
