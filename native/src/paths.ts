import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the native/ directory. This module runs from native/dist/ once compiled and
 * from native/src/ under tsx; both sit one level below it.
 */
export const nativeRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');
