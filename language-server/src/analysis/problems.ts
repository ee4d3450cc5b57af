/** Problems collected for one file, each placed on a node of that file. */
import type { Node } from 'ts-morph';
import { rangeOf } from './ranges.js';
import type { Fix, Problem, Severity } from './types.js';

export class Problems {
  readonly list: Problem[] = [];
  constructor(private readonly path: string) {}
  /** Adds a problem at `node`, or at `fallback` when `node` is in another file. */
  add(node: Node, fallback: Node, severity: Severity, code: string, message: string, fixes: Fix[] = []): void {
    const at = node.getSourceFile().getFilePath() === this.path ? node : fallback;
    this.list.push({ range: rangeOf(at), severity, code, message, ...(fixes.length > 0 ? { fixes } : {}) });
  }
}
