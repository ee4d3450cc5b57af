/**
 * The text edits quick fixes make, computed from syntax: a gate added to a test's options, and
 * an identifier from @ktstr/core made available in a file. Edits are minimal (one insertion or
 * one replacement each) so they apply cleanly to a buffer the user is still typing in.
 */
import { type FileFacts } from './file-facts.js';
import { BUILTIN_MODULE } from '@ktstr/core';
import { Node } from 'ts-morph';
import { rangeOf, spanRange } from './ranges.js';
import type { TextEdit } from './types.js';

/**
 * Sets `field: value` in a test's options argument: replaces the value of a property written
 * in the literal itself, else adds the property after the last one (a later property overrides
 * a spread, as at run time), else wraps a non-literal argument as `{ ...OPTS, field: value }`.
 */
export function setOptionEdits(options: Node, field: string, value: string): TextEdit[] {
  const sf = options.getSourceFile();
  if (Node.isObjectLiteralExpression(options)) {
    const props = options.getProperties();
    const own = props.find((p) => Node.isPropertyAssignment(p) && propertyName(p) === field);
    if (own && Node.isPropertyAssignment(own)) return [{ range: rangeOf(own.getInitializerOrThrow()), newText: value }];
    const last = props.at(-1);
    if (!last) return [{ range: rangeOf(options), newText: `{ ${field}: ${value} }` }];
    // After the last property, before any trailing comma: valid with or without one.
    return [{ range: spanRange(sf, last.getEnd(), last.getEnd()), newText: `, ${field}: ${value}` }];
  }
  return [{ range: rangeOf(options), newText: `{ ...${options.getText()}, ${field}: ${value} }` }];
}

function propertyName(p: Node & { getNameNode(): Node }): string {
  const n = p.getNameNode();
  return Node.isStringLiteral(n) || Node.isNumericLiteral(n) ? String(n.getLiteralValue()) : n.getText();
}

/**
 * How this file can name core's export `name` (e.g. `cpuset`), and the import edit needed
 * when it cannot yet: an existing named import, a namespace import (`core.cpuset`), else the
 * name added to the file's import from @ktstr/core, else a new import line.
 */
export function coreName(facts: FileFacts, name: string): { text: string; edits: TextEdit[] } {
  for (const [local, imp] of facts.imports) {
    if (imp.module === BUILTIN_MODULE && imp.imported === name) return { text: local, edits: [] };
  }
  for (const [local, imp] of facts.imports) {
    if (imp.module === BUILTIN_MODULE && imp.imported === '*') return { text: `${local}.${name}`, edits: [] };
  }
  const sf = facts.sourceFile;
  if (facts.imports.has(name) || facts.consts.has(name)) return { text: name, edits: [] }; // shadowed: leave it to the user
  const decl = sf.getImportDeclarations().find((d) => d.getModuleSpecifierValue() === BUILTIN_MODULE && !d.isTypeOnly() && d.getNamedImports().length > 0);
  if (decl) {
    const last = decl.getNamedImports().at(-1)!;
    return { text: name, edits: [{ range: spanRange(sf, last.getEnd(), last.getEnd()), newText: `, ${name}` }] };
  }
  const after = sf.getImportDeclarations().at(-1);
  const at = after ? after.getEnd() : 0;
  const line = `import { ${name} } from '${BUILTIN_MODULE}';`;
  return { text: name, edits: [{ range: spanRange(sf, at, at), newText: after ? `\n${line}` : `${line}\n` }] };
}

/** `await x` and parentheses around an expression, removed. */
export function unwrapAwait(n: Node): Node {
  let cur = n;
  while (Node.isAwaitExpression(cur) || Node.isParenthesizedExpression(cur)) cur = cur.getExpression();
  return cur;
}
