/**
 * What to do about a test file that failed to load. Most failures are a declaration the message
 * already names the field of; but a package that is not installed (a test file in a project that
 * has not added ktstr yet, or one whose node_modules is gone) is fixed by installing, not by
 * editing the file, and the hint must say so.
 */
import { dirname } from 'node:path';

// Node's ESM resolver: "Cannot find package '@ktstr/core' imported from /x/a.test.ts";
// require (tsx in a CommonJS package): "Cannot find module '@ktstr/core'".
const MISSING = /Cannot find (?:package|module) '([^']+)'/;

/** The npm package a specifier belongs to (`@scope/name` or `name`), or undefined for a relative path. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function loadFailureHint(file: string, message: string): string {
  const m = MISSING.exec(message);
  const pkg = m ? packageOf(m[1]!) : undefined;
  if (!m) return 'Fix the declaration: the message names the field.';
  if (!pkg) return `Fix the import of ${m[1]}: no such file.`;
  const install = pkg === '@ktstr/core' || pkg === 'ktstr' ? '@ktstr/core ktstr' : pkg;
  return `${pkg} is not installed where ${file} can import it: run \`npm install --save-dev ${install}\` in ${dirname(file)} (or the project root above it).`;
}
