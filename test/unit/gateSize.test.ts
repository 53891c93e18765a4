import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The gate stays small enough to hold in one's head (docs/permits.md, "Files"): the files it
// lists are at most 10 and 1 200 lines, the project defines at most 6 Temporal messages and
// uses at most one patched() marker.

const ROOT = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'docs', 'permits.md'))) return dir;
  }
  throw new Error(`no repository root above ${__dirname}`);
})();

/** The backticked paths of the `## Files` section, one a line. */
function listedFiles(): string[] {
  const doc = readFileSync(path.join(ROOT, 'docs', 'permits.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Files'));
  assert.ok(section.length > 0, 'docs/permits.md has a "## Files" section');
  return [...section.matchAll(/^`([^`]+)`$/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

const countIn = (files: string[], pattern: RegExp) =>
  files.reduce((sum, file) => sum + (readFileSync(path.join(ROOT, file), 'utf8').match(pattern)?.length ?? 0), 0);

describe('the gate\'s size (docs/permits.md, "Files")', () => {
  it('lists at most 10 files and 1 200 lines, every one of them present', () => {
    const files = listedFiles();
    assert.ok(files.length > 0 && files.length <= 10, `${files.length} files listed`);
    const lines = files.reduce((sum, file) => {
      assert.ok(existsSync(path.join(ROOT, file)), `${file} exists`);
      return sum + readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1;
    }, 0);
    assert.ok(lines <= 1200, `${lines} lines in the listed files`);
  });

  it('defines at most 6 Temporal messages and uses at most one patched() marker', () => {
    const code = ['src', 'activities', 'workflows'].flatMap(sourceFiles);
    const messages = countIn(code, /\bdefine(Signal|Query|Update)\s*[<(]/g);
    assert.ok(messages > 0 && messages <= 6, `${messages} message definitions`);
    assert.ok(countIn(code, /\bpatched\s*\(/g) <= 1);
  });
});
