import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { MethodNotAllowedError } from '../../errors';

/**
 * 405 with `Allow` for a method no route serves on a path some route does (PUT, TRACE,
 * OPTIONS…), before authentication: which methods a path takes is public (openapi.json).
 */
export function methodNotAllowed(routers: Router[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const allowed = new Set<string>();
    let served = false;
    for (const router of routers) {
      const match = router.match(ctx.path, ctx.method);
      served ||= match.route;
      for (const layer of match.path) layer.methods.forEach((method) => allowed.add(method));
    }
    if (!served && allowed.size > 0) throw new MethodNotAllowedError(ctx.method, [...allowed].sort());
    await next();
  };
}
