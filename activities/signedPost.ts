// The signed POST of one attempt (docs/security.md): the target vetted, the tenant's headers,
// the signatures with the secrets active now, a span when tracing is on. Nothing here knows of
// the gate: the attempt activity (attempt.ts) calls it once its permit is confirmed.
import type { Dispatcher } from 'undici';
import ipaddr from 'ipaddr.js';
import type { DeliveryContext } from '../src/db/repositories/deliveries';
import { openHeaders } from '../src/security/customHeaders';
import type { SecretBox } from '../src/security/secrets';
import { signatureHeaders } from '../src/security/signing';
import { checkUrlSyntax, resolvePublicAddresses, UrlPolicyError, bareHost, type UrlPolicy } from '../src/security/urlPolicy';
import { USER_AGENT } from '../src/version';
import { ATTR, inSpan } from '../src/tracing';
import type { AttemptRequest } from '../workflows/types';
import { postWebhook, type PostResult } from './http';

export interface SignedPostDeps {
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  deliveryTimeoutMs: number;
  /** The undici connection pool every attempt goes through. */
  httpAgent: Dispatcher;
  now?: () => number;
}

/** The secrets that sign right now: the current one, and the previous one during its overlap. */
export function activeSecrets(ctx: DeliveryContext, box: SecretBox, now: number): string[] {
  const secrets = [box.open(ctx.secret_ciphertext)];
  if (ctx.previous_secret_ciphertext && ctx.previous_secret_expires_at && ctx.previous_secret_expires_at.getTime() > now) {
    secrets.push(box.open(ctx.previous_secret_ciphertext));
  }
  return secrets;
}

/** Refuses a target our policy forbids before any connection is made. */
async function checkTarget(url: string, policy: UrlPolicy): Promise<string | null> {
  try {
    const parsed = checkUrlSyntax(url, policy);
    // Literal addresses never reach the socket's DNS hook, so they are vetted here;
    // hostnames are vetted by the agent's lookup at connect time.
    if (ipaddr.isValid(bareHost(parsed))) await resolvePublicAddresses(parsed, policy);
    return null;
  } catch (err) {
    if (err instanceof UrlPolicyError) return `blocked target: ${err.reason}`;
    throw err;
  }
}

/** A failed POST's class for its span: the status code, or the kind of network failure (never the message). */
function failureClass(result: PostResult): string {
  if (result.statusCode !== null) return String(result.statusCode);
  return /^(timeout|blocked target|connection refused|DNS lookup failed|[A-Z][A-Z0-9_]+)\b/.exec(result.error ?? '')?.[1] ?? '_OTHER';
}

async function send(deps: SignedPostDeps, ctx: DeliveryContext, deliveryId: string): Promise<PostResult> {
  const blocked = await checkTarget(ctx.url, deps.urlPolicy);
  if (blocked) return { statusCode: null, responseBody: null, error: blocked, retryAfterMs: null };
  const now = deps.now ?? Date.now;
  const timestamp = Math.floor(now() / 1000);
  // The tenant's own headers first; none of ours can be among them (the API refuses those names).
  const headers = {
    ...openHeaders(deps.secretBox, ctx.headers_ciphertext),
    ...signatureHeaders(activeSecrets(ctx, deps.secretBox, now()), deliveryId, timestamp, ctx.body),
    'X-Continuum-Event': ctx.event_type,
    'X-Continuum-Delivery': deliveryId,
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
  };
  return postWebhook(deps.httpAgent, ctx.url, ctx.body, headers, deps.deliveryTimeoutMs);
}

/**
 * The POST, a span when tracing is on (a child of the attempt activity's): ids, event type,
 * attempt number and status code; nothing of the URL, the headers or the body.
 */
export function signedPost(deps: SignedPostDeps, ctx: DeliveryContext, request: AttemptRequest, attemptNumber: number): Promise<PostResult> {
  const attributes = {
    [ATTR.method]: 'POST', [ATTR.tenantId]: ctx.tenant_id, [ATTR.webhookId]: ctx.webhook_id, [ATTR.deliveryId]: request.deliveryId,
    [ATTR.eventType]: ctx.event_type, [ATTR.attemptNumber]: attemptNumber, [ATTR.attemptTrigger]: request.trigger,
  };
  return inSpan('POST webhook', 'client', attributes, async (span) => {
    const result = await send(deps, ctx, request.deliveryId);
    if (result.statusCode !== null) span.set({ [ATTR.statusCode]: result.statusCode });
    if (result.error) span.fail(failureClass(result));
    return result;
  });
}

