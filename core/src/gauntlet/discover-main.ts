/**
 * `node --import tsx --test-name-pattern=<nothing> discover-main.js OUT FILE...`: imports each
 * test file with KTSTR_DISCOVER=1 and writes the declared tests (or the error of each file that
 * failed to load) to OUT as JSON. The name pattern that matches nothing keeps any plain
 * node:test tests in those files from running; their reports go to stdout, which the caller
 * ignores, hence the separate OUT file.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { declaredOptions, takeDeclarations } from './registry.js';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import type { AssertThresholds } from '../api/thresholds.js';
import type { DeclaredTest } from './plan.js';

export interface DiscoveryResult {
  tests: DeclaredTest[];
  errors: { file: string; message: string }[];
}

process.env.KTSTR_DISCOVER = '1';
const [out, ...files] = process.argv.slice(2);
const result: DiscoveryResult = { tests: [], errors: [] };
for (const file of files) {
  try {
    await import(pathToFileURL(resolve(file)).href);
    result.tests.push(...takeDeclarations().map((t) => {
      // The whole scheduler declaration (binary, arguments, config, thresholds), for `ktstr
      // verifier` and `show-thresholds`, and the test's own thresholds; the planner itself needs
      // only the scheduler's name and topology. Declarations are plain data.
      const options = declaredOptions(t.name) as { scheduler?: SchedulerDecl; thresholds?: AssertThresholds } | undefined;
      const decl = options?.scheduler;
      return { ...t, file, ...(decl ? { schedulerDecl: decl } : {}), ...(options?.thresholds ? { thresholds: options.thresholds } : {}) };
    }));
  } catch (e) {
    // What the file declared before it threw is dropped with it: the run cannot import it
    // either, and left in the registry it would be taken as the next file's.
    takeDeclarations();
    result.errors.push({ file, message: (e as Error).message });
  }
}
writeFileSync(out!, JSON.stringify(result));
