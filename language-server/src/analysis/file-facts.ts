/**
 * What one source file declares, read from its syntax alone: top-level constants, imports,
 * exports, and the `declareScheduler` / `ktstrTest` calls in it. Syntax only (no type checker),
 * so re-reading a file after an edit costs one parse and never touches the other files.
 */
import { type CallExpression, type Expression, Node, type SourceFile, SyntaxKind, ts } from 'ts-morph';

export interface ImportBinding {
  /** The module specifier as written, e.g. './schedulers.js' or '@ktstr/core'. */
  module: string;
  /** The exported name imported, or '*' for a namespace import. */
  imported: string;
}

export interface ReExport {
  module: string;
  imported: string;
}

export interface FileFacts {
  path: string;
  sourceFile: SourceFile;
  /** Top-level `const` bindings and their initialisers. */
  consts: Map<string, Expression>;
  /** Local name -> where it is imported from. */
  imports: Map<string, ImportBinding>;
  /** Exported name -> local name in this file. */
  exports: Map<string, string>;
  /** Exported name -> a name in another module (`export { A as B } from './x.js'`). */
  reExports: Map<string, ReExport>;
  /** Modules re-exported wholesale (`export * from './x.js'`). */
  starExports: string[];
  schedulerCalls: CallExpression[];
  testCalls: CallExpression[];
  /** `work.<name>(...)` calls, checked against the work types there are. */
  workCalls: CallExpression[];
  /** `<x>.run(...)` calls: where scenarios are sent. */
  runCalls: CallExpression[];
  /** Assertions taking a set of CPUs (`r.expect.ranOnlyOn([0, 1], 'a')`). */
  cpuListCalls: CallExpression[];
}

/** The API names the analysis looks for, as exported by @ktstr/core. */
export const DECLARE_SCHEDULER = 'declareScheduler';
export const KTSTR_TEST = 'ktstrTest';
/** Expectation methods whose first argument is a set of CPUs. */
export const CPU_LIST_ASSERTIONS: ReadonlySet<string> = new Set(['ranOnlyOn']);

export function readFileFacts(path: string, sourceFile: SourceFile): FileFacts {
  const facts: FileFacts = {
    path, sourceFile, consts: new Map(), imports: new Map(), exports: new Map(), reExports: new Map(), starExports: [],
    schedulerCalls: [], testCalls: [], workCalls: [], runCalls: [], cpuListCalls: [],
  };
  for (const statement of sourceFile.getStatements()) {
    if (Node.isImportDeclaration(statement)) {
      const module = statement.getModuleSpecifierValue();
      const def = statement.getDefaultImport();
      if (def) facts.imports.set(def.getText(), { module, imported: 'default' });
      const ns = statement.getNamespaceImport();
      if (ns) facts.imports.set(ns.getText(), { module, imported: '*' });
      for (const named of statement.getNamedImports()) {
        const local = named.getAliasNode()?.getText() ?? named.getName();
        facts.imports.set(local, { module, imported: named.getName() });
      }
    } else if (Node.isVariableStatement(statement)) {
      const exported = statement.isExported();
      for (const decl of statement.getDeclarations()) {
        const nameNode = decl.getNameNode();
        if (!Node.isIdentifier(nameNode)) continue;
        const init = decl.getInitializer();
        if (init && statement.getDeclarationKind() === 'const') facts.consts.set(nameNode.getText(), init);
        if (exported) facts.exports.set(nameNode.getText(), nameNode.getText());
      }
    } else if (Node.isExportDeclaration(statement)) {
      const module = statement.getModuleSpecifierValue();
      const named = statement.getNamedExports();
      if (module && named.length === 0 && !statement.getNamespaceExport()) facts.starExports.push(module);
      for (const spec of named) {
        const exportedName = spec.getAliasNode()?.getText() ?? spec.getName();
        if (module) facts.reExports.set(exportedName, { module, imported: spec.getName() });
        else facts.exports.set(exportedName, spec.getName());
      }
    }
  }
  // The walk runs on the compiler's nodes and wraps only the calls it keeps: wrapping every
  // node of every file is most of the cost of a cold workspace scan.
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      let api: string | undefined;
      let kept: CallExpression[] | undefined;
      if (ts.isIdentifier(callee)) api = facts.imports.get(callee.text)?.imported ?? callee.text;
      else if (ts.isPropertyAccessExpression(callee)) {
        const target = callee.expression;
        const name = callee.name.text;
        if (ts.isIdentifier(target)) {
          const imp = facts.imports.get(target.text);
          if (imp?.imported === '*') api = name;
          else if ((imp?.imported ?? target.text) === 'work') kept = facts.workCalls;
        }
        if (name === 'run') kept = facts.runCalls;
        else if (CPU_LIST_ASSERTIONS.has(name)) kept = facts.cpuListCalls;
      }
      if (api === DECLARE_SCHEDULER) kept = facts.schedulerCalls;
      else if (api === KTSTR_TEST) kept = facts.testCalls;
      if (kept) kept.push(wrapCall(sourceFile, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile.compilerNode);
  return facts;
}

function wrapCall(sourceFile: SourceFile, raw: ts.CallExpression): CallExpression {
  const start = raw.getStart(sourceFile.compilerNode);
  let n: Node | undefined = sourceFile.getDescendantAtPos(start);
  while (n && !(n.getKind() === SyntaxKind.CallExpression && n.getStart() === start && n.getEnd() === raw.end)) n = n.getParent();
  if (!n) throw new Error(`no wrapped call at ${start}`);
  return n as CallExpression;
}

/**
 * The core API name a call invokes, seen through import aliases and namespace imports
 * (`import { ktstrTest as t }`, `core.ktstrTest(...)`), or undefined.
 */
export function calledApi(call: CallExpression, facts: FileFacts): string | undefined {
  const callee = call.getExpression();
  if (Node.isIdentifier(callee)) {
    const local = callee.getText();
    return facts.imports.get(local)?.imported ?? local;
  }
  if (Node.isPropertyAccessExpression(callee)) {
    const target = callee.getExpression();
    if (Node.isIdentifier(target) && facts.imports.get(target.getText())?.imported === '*') return callee.getName();
  }
  return undefined;
}
