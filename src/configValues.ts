import { z } from 'zod';
import ipaddr from 'ipaddr.js';

// How environment values are read: durations, lists, booleans, keys. src/config.ts puts them
// together into the one configuration, validated once at start.

/** Parses "250ms", "1s", "5m", "72h" into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration (use e.g. 250ms, 1s, 5m, 72h)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Math.round(Number(match[1]) * factor);
}

/** Writes milliseconds in the largest unit that holds them whole: 90000 → "90s", 300000 → "5m". */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const [unit, factor] = units.find(([, f]) => ms >= f && ms % f === 0) ?? ['ms', 1];
  return `${ms / factor}${unit}`;
}

/** Parses "10.1.0.0/16,fd00::/8"; throws naming the bad entry. */
export function parseCidrList(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter(Boolean).map((cidr) => {
    try {
      ipaddr.parseCIDR(cidr);
      return cidr;
    } catch {
      throw new Error(`"${cidr}" is not a CIDR range (e.g. 10.1.0.0/16)`);
    }
  });
}

export const duration = z.string().transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new Error(`"${text}" must be greater than zero`);
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const durationList = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  if (parts.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one duration, e.g. 1s,5s,30s,5m,30m' });
    return z.NEVER;
  }
  try {
    return parts.map(parseDuration);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

export const positiveInt = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be > 0');

export const secretKey = z.string().refine((value) => Buffer.from(value, 'base64').length === 32, {
  message: 'must be 32 bytes encoded as base64 (e.g. `openssl rand -base64 32`)',
});
