/**
 * Finds the tests declared in test files without running them: a child Node process imports
 * the files in discovery mode (see registry.ts and discover-main.ts). A child, because
 * importing a test file has side effects (node:test registrations, module state) that must not
 * leak into the planner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KtstrError } from '../errors.js';
import type { DiscoveryResult } from './discover-main.js';
import { recordTestNames } from './discover-index.js';

/** Matches no test name, so plain node:test tests in the imported files are skipped, not run. */
const MATCH_NOTHING = '^\\b$';

export function discoverTests(files: readonly string[], loader: string, cwd = process.cwd()): DiscoveryResult {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-discover-'));
  try {
    const out = join(dir, 'tests.json');
    const main = fileURLToPath(new URL('./discover-main.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, KTSTR_DISCOVER: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--import', loader, `--test-name-pattern=${MATCH_NOTHING}`, main, out, ...files], {
      cwd, env, encoding: 'utf8', timeout: 120_000,
    });
    let parsed: DiscoveryResult;
    try {
      parsed = JSON.parse(readFileSync(out, 'utf8')) as DiscoveryResult;
    } catch {
      throw new KtstrError('test files', files, `could not be loaded (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`,
        'Run one of them with `node --import tsx --test FILE` to see the error.');
    }
    // For shell completion of test names (discover-index.ts).
    recordTestNames(files, parsed.tests);
    return parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
