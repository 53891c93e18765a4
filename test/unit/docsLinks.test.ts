import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Every relative link and #anchor in the documentation resolves: the file exists, and the anchor
// is a heading of the target (GitHub's slug) or an explicit <a id>. Links to http(s) are not
// fetched: the tests never leave the machine.

/** The repository root: the nearest folder above this file holding package.json and README.md. */
function repoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'README.md'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

const ROOT = repoRoot(__dirname);
const README_MAX_LINES = 300;

function markdownFilesUnder(dir: string, onlyReadmes: boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : markdownFilesUnder(full, onlyReadmes);
    const wanted = onlyReadmes ? entry.name === 'README.md' : entry.name.endsWith('.md');
    return wanted ? [full] : [];
  });
}

function documentationFiles(): string[] {
  const top = ['README.md', 'CHANGELOG.md'].map((name) => path.join(ROOT, name)).filter((file) => existsSync(file));
  return [...top, ...markdownFilesUnder(path.join(ROOT, 'docs'), false), ...markdownFilesUnder(path.join(ROOT, 'deploy'), true)];
}

/** The text outside fenced code blocks, line by line (blanked inside, so line numbers hold). */
function proseLines(text: string): string[] {
  let fence: string | null = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/** GitHub's heading id: lowercase, punctuation but - and _ dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*~]/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every id a link may point at in this file: heading slugs (repeats numbered -1, -2) and <a id>/<a name>. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = githubSlug(heading[1]);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  }
  return anchors;
}

interface Link { line: number; target: string }

/** Inline links and images, and reference definitions, outside code blocks and code spans. */
export function linksOf(text: string): Link[] {
  const links: Link[] = [];
  proseLines(text).forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: index + 1, target: match[1] });
    const definition = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (definition) links.push({ line: index + 1, target: definition[1] });
  });
  return links;
}

/** What is wrong with one link from `file`, or null when it resolves (external links are not checked). */
function brokenLink(file: string, target: string, anchorsByFile: Map<string, Set<string>>): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http(s), mailto: not checked here
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const targetFile = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
  if (!existsSync(targetFile)) return `no such file ${path.relative(ROOT, targetFile)}`;
  if (anchor === undefined || !targetFile.endsWith('.md') || statSync(targetFile).isDirectory()) return null;
  let anchors = anchorsByFile.get(targetFile);
  if (!anchors) {
    anchors = anchorsOf(readFileSync(targetFile, 'utf8'));
    anchorsByFile.set(targetFile, anchors);
  }
  return anchors.has(decodeURIComponent(anchor)) ? null : `no heading or <a id> "${anchor}" in ${path.relative(ROOT, targetFile)}`;
}

describe('documentation links', function () {
  it('slugs headings the way GitHub does', function () {
    assert.equal(githubSlug('Delivery policy: ordered delivery, a webhook\'s own retry schedule'), 'delivery-policy-ordered-delivery-a-webhooks-own-retry-schedule');
    assert.equal(githubSlug('`CONTINUUM_RETENTION` and [Retention](x.md)'), 'continuum_retention-and-retention');
    assert.equal(githubSlug('Custom headers & rate limits'), 'custom-headers--rate-limits');
    assert.deepEqual([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n## A\n<a id="kept"></a>\n')], ['a', 'a-1', 'a-2', 'kept']);
  });

  it('finds links outside code, with their line', function () {
    const text = 'see [x](docs/x.md#y) and `[no](code.md)`\n```\n[no](fenced.md)\n```\n![img](a.png "title")\n[ref]: other.md\n';
    assert.deepEqual(linksOf(text), [{ line: 1, target: 'docs/x.md#y' }, { line: 5, target: 'a.png' }, { line: 6, target: 'other.md' }]);
  });

  it('every relative link and anchor in README.md, CHANGELOG.md, docs/ and deploy/**/README.md resolves', function () {
    const files = documentationFiles();
    assert.ok(files.some((file) => file.endsWith(`docs${path.sep}architecture.md`)), 'docs/architecture.md is among the files checked');
    const anchorsByFile = new Map<string, Set<string>>();
    const broken = files.flatMap((file) => linksOf(readFileSync(file, 'utf8')).flatMap(({ line, target }) => {
      const problem = brokenLink(file, target, anchorsByFile);
      return problem ? [`${path.relative(ROOT, file)}:${line}: ${target}: ${problem}`] : [];
    }));
    assert.deepEqual(broken, []);
  });

  it(`keeps the README an entry point of at most ${README_MAX_LINES} lines`, function () {
    const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
  });
});
