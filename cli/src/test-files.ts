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
    for (const name of readdirSync(p).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const child = join(p, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (TEST_FILE.test(name)) out.push(child);
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
