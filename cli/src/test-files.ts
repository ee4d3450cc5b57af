/**
 * Which files are test files: `*.test.{ts,mts,js,mjs}` under the given directories, outside
 * node_modules and dot-directories. Kept free of @ktstr/core so that shell completion, which
 * loads it on every Tab, starts in milliseconds.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TEST_FILE = /\.test\.(ts|mts|js|mjs)$/;

/** The test files under `dir`, sorted, as paths joined onto `dir`. */
export function testFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    // Entry types from readdir, so only symlinks cost a stat: a walk of a whole repository runs
    // on every completion Tab.
    for (const e of readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const child = join(p, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && statSync(child, { throwIfNoEntry: false })?.isDirectory())) walk(child);
      else if (TEST_FILE.test(e.name)) out.push(child);
    }
  };
  walk(dir);
  return out;
}

/**
 * Where `ktstr test` looks when given no paths: the whole current directory (node_modules and
 * dot-directories aside), because tests live in the scheduler's own repository wherever its
 * authors put them. Files without ktstr tests cost a discovery import and contribute nothing.
 */
export const DEFAULT_TEST_DIRS = ['.'];
