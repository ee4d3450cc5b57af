/**
 * `node complete-tests.js`: prints the test names of the test files under the current
 * directory's default test paths, one a line, for shell completion of `--filter`. It reads the
 * index discovery keeps (core/src/gauntlet/discover-index.ts) and never imports a test file or
 * @ktstr/core's engine, so a Tab costs tens of milliseconds instead of a discovery run.
 * `--stats` prints how each file was answered instead, for tests and the bench.
 */
import { existsSync } from 'node:fs';
import { readTestNames } from '@ktstr/core/test-index';
import { DEFAULT_TEST_DIRS, testFilesUnder } from './test-files.js';

const files = DEFAULT_TEST_DIRS.filter((d) => existsSync(d)).flatMap((d) => testFilesUnder(d));
const found = readTestNames(files);
if (process.argv.includes('--stats')) {
  process.stdout.write(`${JSON.stringify({ files: files.length, fromIndex: found.fromIndex, scanned: found.scanned, names: found.names })}\n`);
} else {
  for (const n of found.names) process.stdout.write(`${n}\n`);
}
