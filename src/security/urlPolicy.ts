import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { echo } from '../errors';

export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivateTargets: boolean;
  /** Non-public ranges that are nevertheless allowed (CONTINUUM_ALLOWED_TARGET_CIDRS). */
  allowedCidrs?: string[];
}

/** May a delivery connect to this address under the policy? */
export function isPermittedAddress(address: string, policy: UrlPolicy): boolean {
  if (policy.allowPrivateTargets || isPublicAddress(address)) return true;
  if (!policy.allowedCidrs?.length || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return policy.allowedCidrs.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return parsed.kind() === range[0].kind() && parsed.match(range);
  });
}

export const MAX_URL_LENGTH = 2048;

/** A URL our policy refuses; `reason` is shown to the API caller. */
export class UrlPolicyError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** Checks everything that can be known without DNS: scheme, credentials, port, length. */
export function checkUrlSyntax(raw: string, policy: UrlPolicy): URL {
  if (raw.length > MAX_URL_LENGTH) throw new UrlPolicyError(`URL is longer than ${MAX_URL_LENGTH} characters`);
  // A NUL or control character, raw or percent-encoded, means something else to every
  // server and proxy on the way; no real endpoint needs one.
  if (/[\u0000-\u001f\u007f]|%(?:0[0-9a-f]|1[0-9a-f]|7f)/i.test(raw)) {
    throw new UrlPolicyError('URL must not contain NUL or control characters, raw or percent-encoded (%00-%1F, %7F)');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlPolicyError('not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UrlPolicyError(policy.allowHttp ? 'URL must use http or https' : 'URL must use https');
  }
  if (url.username || url.password) throw new UrlPolicyError('URL must not contain credentials');
  const port = url.port ? Number(url.port) : null;
  if (port !== null && port !== 80 && port !== 443 && (port < 1024 || port > 65535)) {
    throw new UrlPolicyError('URL port must be 80, 443 or 1024-65535');
  }
  if (!url.hostname) throw new UrlPolicyError('URL has no host');
  return url;
}

/** True when the address may be the target of a delivery (not private, loopback, reserved…). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return embedded.range() === 'unicast';
  return v6.range() === 'unicast';
}

/** The IPv4 address carried by mapped, compatible, NAT64 and 6to4 IPv6 forms. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = v6.parts;
  const range = v6.range();
  const tail = () => new ipaddr.IPv4([parts[6] >> 8, parts[6] & 255, parts[7] >> 8, parts[7] & 255]);
  if (range === 'ipv4Mapped' || range === 'rfc6052' || range === 'rfc6145') return tail();
  if (range === '6to4') return new ipaddr.IPv4([parts[1] >> 8, parts[1] & 255, parts[2] >> 8, parts[2] & 255]);
  // IPv4-compatible (::a.b.c.d, deprecated): the first 96 bits are zero.
  if (parts.slice(0, 6).every((p) => p === 0)) return tail();
  if (range === 'teredo') return new ipaddr.IPv4([0, 0, 0, 0]); // obfuscated; refuse
  return null;
}

/** Host part without IPv6 brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves the host and refuses the URL if any address is not public. Returns the vetted
 * addresses, so a caller can connect to exactly those (no second lookup: DNS rebinding).
 */
export async function resolvePublicAddresses(url: URL, policy: UrlPolicy, lookup: Lookup = systemLookup): Promise<string[]> {
  const host = bareHost(url);
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      throw new UrlPolicyError(`host ${echo(host)} could not be resolved`);
    }
    if (addresses.length === 0) throw new UrlPolicyError(`host ${echo(host)} has no addresses`);
  }
  const refused = addresses.find((address) => !isPermittedAddress(address, policy));
  if (refused) throw new UrlPolicyError(`URL resolves to a non-public address (${refused})`);
  return addresses;
}

/** The full check used at create and update time. */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy, lookup?: Lookup): Promise<URL> {
  const url = checkUrlSyntax(raw, policy);
  await resolvePublicAddresses(url, policy, lookup);
  return url;
}
