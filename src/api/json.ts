import { parseTree, type Node } from 'jsonc-parser';
import { echo, InvalidJsonError, ValidationError, type FieldIssue } from '../errors';

/** Deepest nesting a request body may have: far beyond any event, far below a stack overflow. */
export const MAX_JSON_DEPTH = 32;
const MAX_ISSUES = 20;

/** A request body parsed, checked, and kept with its source text. */
export interface JsonBody {
  value: Record<string, unknown>;
  /** The exact text the client sent for a top-level member's value, or undefined. */
  memberText(name: string): string | undefined;
}

/**
 * Parses a request body and refuses what could not be stored or passed on exactly as sent:
 * nesting deeper than MAX_JSON_DEPTH, NUL characters and lone surrogates in any key or string
 * (Postgres refuses the first and would silently replace the second), duplicate keys (parsers
 * disagree on which one wins) and numbers that a double can't hold exactly.
 */
export function parseJsonBody(text: string): JsonBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidJsonError('request body must be a JSON object');
  // Checked on the text before any recursive code (the tree walk, zod, serializers) sees it.
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `JSON nests deeper than ${MAX_JSON_DEPTH} levels`;
    throw new ValidationError(message, [{ field: 'body', message }]);
  }
  const root = parseTree(text) as Node;
  const issues: FieldIssue[] = [];
  inspect(root, ['body'], text, issues);
  if (issues.length > 0) throw new ValidationError('request is invalid', issues.slice(0, MAX_ISSUES));
  return {
    value: value as Record<string, unknown>,
    memberText: (name) => {
      const member = root.children?.find((property) => property.children?.[0]?.value === name)?.children?.[1];
      return member ? text.slice(member.offset, member.offset + member.length) : undefined;
    },
  };
}

/** Bracket depth outside strings, iteratively: a 20 000-deep body costs one pass, no stack. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > limit) return true;
    } else if (c === '}' || c === ']') depth--;
  }
  return false;
}

function inspect(node: Node, path: string[], text: string, issues: FieldIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      const key = keyNode.value as string;
      const at = [...path, key];
      checkString(key, at, 'key', issues);
      if (seen.has(key)) issues.push({ field: fieldName(at), message: 'duplicate key' });
      seen.add(key);
      if (valueNode) inspect(valueNode, at, text, issues);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, index) => inspect(child, [...path, String(index)], text, issues));
  } else if (node.type === 'string') {
    checkString(node.value as string, path, 'string', issues);
  } else if (node.type === 'number') {
    const literal = text.slice(node.offset, node.offset + node.length);
    if (!roundTrips(literal)) {
      issues.push({ field: fieldName(path), message: `number ${echo(literal)} can't be represented exactly; send it as a string` });
    }
  }
}

function checkString(value: string, path: string[], what: 'key' | 'string', issues: FieldIssue[]): void {
  if (value.includes('\u0000')) issues.push({ field: fieldName(path), message: `${what} contains a NUL character (\\u0000)` });
  else if (!value.isWellFormed()) issues.push({ field: fieldName(path), message: `${what} contains a lone surrogate (an unpaired \\uD800-\\uDFFF)` });
}

/** "body.data.memory_id"; a key that isn't a plain word is quoted, escaped and cut short. */
export function fieldName(path: string[]): string {
  return path.map((segment) => (/^[\w$-]{1,40}$/.test(segment) ? segment : echo(segment))).join('.');
}

/**
 * True when the number a literal denotes survives being read as a double and written back:
 * "0.1", "1.50", "1e2" and "9007199254740991" do; "1e400", "1e-400" and
 * "12345678901234567890" don't (the receiver would get a number the producer never sent).
 */
export function roundTrips(literal: string): boolean {
  const value = Number(literal);
  return Number.isFinite(value) && canonicalDecimal(literal) === canonicalDecimal(String(value));
}

/** A decimal literal as sign, significant digits and exponent: "1.50e1" → "15e0", "-0.0" → "0". */
function canonicalDecimal(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return `invalid:${literal}`;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const allDigits = `${whole}${fraction}`.replace(/^0+/, '');
  if (allDigits === '') return '0';
  const digits = allDigits.replace(/0+$/, '');
  const exponent = Number(exponentText) - fraction.length + (allDigits.length - digits.length);
  return `${sign}${digits}e${exponent}`;
}
