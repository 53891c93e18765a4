import type { Context, Next } from 'koa';
import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../errors';
import { fieldName, type JsonBody } from '../json';

export function fieldIssues(error: z.ZodError, root: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: fieldName([...root.split('.'), ...issue.path.map(String)]),
    message: issue.message,
  }));
}

interface Schemas {
  body?: z.ZodType;
  query?: z.ZodType;
}

/** Validates body and query; the parsed values land in ctx.state.body / ctx.state.query. */
export function validate(schemas: Schemas) {
  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const issues: FieldIssue[] = [];
    if (schemas.body) {
      const parsed = schemas.body.safeParse((ctx.state.json as JsonBody | undefined)?.value ?? {});
      if (parsed.success) ctx.state.body = parsed.data;
      else issues.push(...fieldIssues(parsed.error, 'body'));
    }
    if (schemas.query) {
      const parsed = schemas.query.safeParse(ctx.query);
      if (parsed.success) ctx.state.query = parsed.data;
      else issues.push(...fieldIssues(parsed.error, 'query'));
    }
    if (issues.length > 0) throw new ValidationError('request is invalid', issues);
    await next();
  };
  // The OpenAPI document reads the schemas from here: one source for validation and docs.
  return Object.assign(middleware, { schemas });
}
