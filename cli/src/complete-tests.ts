/**
 * `node complete-tests.js [PATH...]`: prints the test names of the test files under the given
 * paths (default: the current directory's default test paths), one a line, for shell completion
 * of `--filter`. It reads the index discovery keeps (core/src/gauntlet/discover-index.ts) and never imports a test file or
 * @ktstr/core's engine, so a Tab costs tens of milliseconds instead of a discovery run.
 * `--stats` prints how each file was answered instead, for tests and the bench.
 */
import { existsSync, statSync } from 'node:fs';
import { readTestNames } from '@ktstr/core/test-index';
import { DEFAULT_TEST_DIRS, testFilesUnder } from './test-files.js';

// Paths on the command line being completed (`ktstr test examples --filter <Tab>`) narrow the
// names to their tests, as the run would; without any, the default paths of `ktstr test`.
const given = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const roots = given.length > 0 ? given : DEFAULT_TEST_DIRS;
const files = roots.filter((p) => existsSync(p)).flatMap((p) => (statSync(p).isDirectory() ? testFilesUnder(p) : [p]));
const found = readTestNames(files);
if (process.argv.includes('--stats')) {
  process.stdout.write(`${JSON.stringify({ files: files.length, fromIndex: found.fromIndex, scanned: found.scanned, names: found.names })}\n`);
} else {
  for (const n of found.names) process.stdout.write(`${n}\n`);
}
