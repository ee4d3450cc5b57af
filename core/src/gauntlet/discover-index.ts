/**
 * The test names of each test file, remembered from the last discovery, so that shell
 * completion of `--filter` can offer them without importing every test file (which boots the
 * TypeScript loader and takes seconds per Tab). Discovery writes it; completion reads it.
 *
 * One JSON file in the cache directory, keyed by absolute path, each entry with the file's
 * mtime and size when its names were taken. An entry that no longer matches its file, or a
 * file never discovered, is read with a static scan of its `ktstrTest('...')` literals instead:
 * completion is never slow and never runs user code, at worst missing a computed name until the
 * next `ktstr test` or `ktstr test --list`. This module imports only node built-ins and
 * paths.ts so that completion can load it in a few milliseconds.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cacheRoot } from '../paths.js';

interface IndexEntry {
  mtimeMs: number;
  size: number;
  tests: string[];
}

interface IndexFile {
  version: 1;
  files: Record<string, IndexEntry>;
}

export function testIndexPath(): string {
  return join(cacheRoot(), 'test-names.json');
}

function readIndex(): IndexFile {
  try {
    const parsed = JSON.parse(readFileSync(testIndexPath(), 'utf8')) as IndexFile;
    if (parsed.version === 1 && parsed.files && typeof parsed.files === 'object') return parsed;
  } catch {
    // none yet, or unreadable: it is only a cache
  }
  return { version: 1, files: {} };
}

function identity(file: string): { mtimeMs: number; size: number } | undefined {
  try {
    const st = statSync(file);
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return undefined;
  }
}

/**
 * Records the names discovered in `files` (a file that failed to load records none). Best
 * effort: a cache that cannot be written only makes completion fall back to the static scan.
 */
export function recordTestNames(files: readonly string[], tests: readonly { name: string; file?: string }[]): void {
  try {
    const index = readIndex();
    // Files deleted since they were indexed would otherwise stay in it forever.
    for (const known of Object.keys(index.files)) {
      if (!identity(known)) delete index.files[known];
    }
    for (const f of files) {
      const abs = resolve(f);
      const id = identity(abs);
      if (!id) continue;
      index.files[abs] = { ...id, tests: tests.filter((t) => t.file !== undefined && resolve(t.file) === abs).map((t) => t.name) };
    }
    const path = testIndexPath();
    mkdirSync(dirname(path), { recursive: true });
    // Renamed into place so a concurrent reader sees the old or the new index, never half of one.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(index));
    renameSync(tmp, path);
  } catch {
    // see above
  }
}

const LITERAL = /\bktstrTest\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\$]|\\.)*)`)/g;

/** The names of `ktstrTest` calls whose name is a plain string literal. */
export function scanTestNames(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(LITERAL)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? '';
    out.push(raw.replace(/\\(.)/g, '$1'));
  }
  return out;
}

export interface TestNames {
  names: string[];
  /** Files answered from the index, and by the static scan. */
  fromIndex: number;
  scanned: number;
}

/** The test names of `files`: from the index where it is current, else from a static scan. */
export function readTestNames(files: readonly string[]): TestNames {
  const index = readIndex();
  const names = new Set<string>();
  let fromIndex = 0;
  let scanned = 0;
  for (const f of files) {
    const abs = resolve(f);
    const entry = index.files[abs];
    const id = identity(abs);
    if (!id) continue;
    if (entry && entry.mtimeMs === id.mtimeMs && entry.size === id.size) {
      fromIndex++;
      entry.tests.forEach((t) => names.add(t));
      continue;
    }
    scanned++;
    try {
      scanTestNames(readFileSync(abs, 'utf8')).forEach((t) => names.add(t));
    } catch {
      // unreadable: nothing to offer from it
    }
  }
  return { names: [...names], fromIndex, scanned };
}
