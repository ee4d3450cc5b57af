/**
 * Static evaluation of the expressions a test declaration is written with: literals, arrays,
 * object literals (with spreads), constants in this or other files (through imports,
 * re-exports and namespace imports), `declareScheduler(...)` calls, and the pure scenario
 * helpers of @ktstr/core (cgroup, work.*, cpuset.*, hold.*), which it runs for real.
 *
 * Anything else (a function call, a `let`, an environment lookup) evaluates to `Unresolved`
 * with the reason: the analysis reports it as computed at run time and never guesses.
 */
import { type CallExpression, type Expression, Node, SyntaxKind } from 'ts-morph';
import { BUILTIN_MODULE, BUILTIN_SCHEDULERS, type BuiltinScheduler, cgroup, cpuset, hold, work } from '@ktstr/core';
import { DECLARE_SCHEDULER, type FileFacts } from './file-facts.js';

export class Unresolved {
  constructor(readonly reason: string, readonly node: Node) {}
}

/** Where an evaluated object was written: the whole literal and each property. */
export interface Origin {
  node: Node;
  props: Map<string, Node>;
  /** Some keys could not be known (computed keys, spreads of unresolved values). */
  partial: boolean;
}

/** The value of a `declareScheduler(...)` call: a reference to the declaring call. */
export interface SchedulerRef {
  readonly kind: 'scheduler-ref';
  readonly call: CallExpression;
}

export function isSchedulerRef(v: unknown): v is SchedulerRef {
  return typeof v === 'object' && v !== null && (v as SchedulerRef).kind === 'scheduler-ref';
}

/**
 * A scheduler core itself declares (`SCX_KTSTR`): its declaration is outside the workspace and
 * its binary path is computed at run time, so it is read from core's static manifest.
 */
export interface BuiltinSchedulerRef {
  readonly kind: 'builtin-scheduler-ref';
  /** The name it is exported under from @ktstr/core. */
  readonly exported: string;
  readonly decl: BuiltinScheduler;
}

export function isBuiltinSchedulerRef(v: unknown): v is BuiltinSchedulerRef {
  return typeof v === 'object' && v !== null && (v as BuiltinSchedulerRef).kind === 'builtin-scheduler-ref';
}

/** Core's own declaration `name` when `module` is @ktstr/core and declares one by that name. */
function builtin(module: string, name: string): BuiltinSchedulerRef | undefined {
  if (module !== BUILTIN_MODULE || !Object.hasOwn(BUILTIN_SCHEDULERS, name)) return undefined;
  return { kind: 'builtin-scheduler-ref', exported: name, decl: BUILTIN_SCHEDULERS[name]! };
}

/** The files of the workspace, as the evaluator needs them. */
export interface ModuleGraph {
  facts(path: string): FileFacts | undefined;
  /** The workspace file a module specifier names from `fromPath`, if it is one. */
  resolveModule(fromPath: string, specifier: string): string | undefined;
}

/** The scenario helpers the evaluator may run: pure functions returning data. */
const HELPERS: Record<string, Record<string, (...args: never[]) => unknown>> = {
  work: work as Record<string, (...args: never[]) => unknown>,
  cpuset: cpuset as Record<string, (...args: never[]) => unknown>,
  hold: hold as Record<string, (...args: never[]) => unknown>,
};

const MAX_DEPTH = 32;

export class Evaluator {
  /** Every file an evaluation read; an edit to one of them invalidates the result. */
  readonly deps = new Set<string>();
  readonly origins = new WeakMap<object, Origin>();

  constructor(private readonly graph: ModuleGraph) {}

  evaluate(expr: Node, depth = 0): unknown {
    if (depth > MAX_DEPTH) return new Unresolved('the constant refers to itself', expr);
    const path = expr.getSourceFile().getFilePath();
    this.deps.add(path);
    const e = unwrap(expr);
    switch (e.getKind()) {
      case SyntaxKind.NumericLiteral:
        return Number(e.getText().replace(/_/g, ''));
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
        return (e as Node & { getLiteralValue(): string }).getLiteralValue();
      case SyntaxKind.TrueKeyword:
        return true;
      case SyntaxKind.FalseKeyword:
        return false;
      case SyntaxKind.NullKeyword:
        return null;
    }
    if (Node.isPrefixUnaryExpression(e)) {
      const v = this.evaluate(e.getOperand(), depth + 1);
      if (typeof v !== 'number') return v instanceof Unresolved ? v : new Unresolved('not a number', e);
      if (e.getOperatorToken() === SyntaxKind.MinusToken) return -v;
      if (e.getOperatorToken() === SyntaxKind.PlusToken) return v;
      return new Unresolved('computed at run time', e);
    }
    if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.AsteriskToken) {
      // `2 * 1000` is how people write durations; evaluate products of numbers only.
      const a = this.evaluate(e.getLeft(), depth + 1);
      const b = this.evaluate(e.getRight(), depth + 1);
      if (typeof a === 'number' && typeof b === 'number') return a * b;
      return new Unresolved('computed at run time', e);
    }
    if (Node.isArrayLiteralExpression(e)) {
      const out: unknown[] = [];
      for (const el of e.getElements()) {
        if (Node.isSpreadElement(el)) {
          const v = this.evaluate(el.getExpression(), depth + 1);
          if (!Array.isArray(v)) return v instanceof Unresolved ? v : new Unresolved('spread of a non-array', el);
          out.push(...v);
        } else {
          out.push(this.evaluate(el, depth + 1));
        }
      }
      this.origins.set(out, { node: e, props: new Map(e.getElements().map((el, i) => [String(i), el])), partial: false });
      return out;
    }
    if (Node.isObjectLiteralExpression(e)) return this.objectLiteral(e, depth);
    if (Node.isIdentifier(e)) return this.identifier(e.getText(), e, path, depth);
    if (Node.isPropertyAccessExpression(e)) {
      const target = e.getExpression();
      const facts = this.graph.facts(path);
      if (Node.isIdentifier(target) && facts?.imports.get(target.getText())?.imported === '*') {
        const specifier = facts.imports.get(target.getText())!.module;
        const module = this.graph.resolveModule(path, specifier);
        if (!module) return builtin(specifier, e.getName()) ?? new Unresolved(`${e.getText()} comes from outside the workspace`, e);
        return this.exported(module, e.getName(), e, depth);
      }
      const obj = this.evaluate(target, depth + 1);
      if (obj instanceof Unresolved) return obj;
      if (typeof obj === 'object' && obj !== null && Object.hasOwn(obj, e.getName())) return (obj as Record<string, unknown>)[e.getName()];
      return new Unresolved(`${e.getText()} is computed at run time`, e);
    }
    if (Node.isCallExpression(e)) return this.call(e, path, depth);
    return new Unresolved(`${shorten(e.getText())} is computed at run time`, e);
  }

  private objectLiteral(e: Node & { getProperties(): Node[] }, depth: number): unknown {
    const out: Record<string, unknown> = {};
    const origin: Origin = { node: e, props: new Map(), partial: false };
    for (const prop of e.getProperties()) {
      if (Node.isPropertyAssignment(prop)) {
        const nameNode = prop.getNameNode();
        if (Node.isComputedPropertyName(nameNode)) {
          origin.partial = true;
          continue;
        }
        const key = Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode) ? String(nameNode.getLiteralValue()) : nameNode.getText();
        out[key] = this.evaluate(prop.getInitializerOrThrow(), depth + 1);
        origin.props.set(key, prop);
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        out[prop.getName()] = this.evaluate(prop.getNameNode(), depth + 1);
        origin.props.set(prop.getName(), prop);
      } else if (Node.isSpreadAssignment(prop)) {
        const v = this.evaluate(prop.getExpression(), depth + 1);
        if (typeof v === 'object' && v !== null && !(v instanceof Unresolved) && !Array.isArray(v)) {
          Object.assign(out, v);
          const inner = this.origins.get(v);
          // A spread property is reported where it is written when that is in this file.
          for (const key of Object.keys(v)) origin.props.set(key, inner?.props.get(key) ?? prop);
          if (inner?.partial) origin.partial = true;
        } else {
          origin.partial = true;
        }
      } else {
        origin.partial = true;
      }
    }
    this.origins.set(out, origin);
    return out;
  }

  private identifier(name: string, node: Node, path: string, depth: number): unknown {
    if (name === 'undefined') return undefined;
    if (name === 'Infinity') return Infinity;
    const facts = this.graph.facts(path);
    const init = facts?.consts.get(name);
    if (init) return this.evaluate(init, depth + 1);
    const imp = facts?.imports.get(name);
    if (imp && imp.imported !== '*') {
      const module = this.graph.resolveModule(path, imp.module);
      if (!module) return builtin(imp.module, imp.imported) ?? new Unresolved(`${name} is imported from ${imp.module}, outside the workspace`, node);
      return this.exported(module, imp.imported, node, depth);
    }
    return new Unresolved(`${name} is not a constant`, node);
  }

  /** The value of `name` as exported by workspace file `path`, through re-exports. */
  private exported(path: string, name: string, at: Node, depth: number, seen = new Set<string>()): unknown {
    if (seen.has(path) || depth > MAX_DEPTH) return new Unresolved(`${name}: circular re-exports`, at);
    seen.add(path);
    this.deps.add(path);
    const facts = this.graph.facts(path);
    if (!facts) return new Unresolved(`${name}: ${path} is not in the workspace`, at);
    const local = facts.exports.get(name);
    if (local !== undefined) {
      const init = facts.consts.get(local);
      if (init) return this.evaluate(init, depth + 1);
      const imp = facts.imports.get(local);
      if (imp && imp.imported !== '*') {
        const module = this.graph.resolveModule(path, imp.module);
        if (module) return this.exported(module, imp.imported, at, depth + 1, seen);
        const core = builtin(imp.module, imp.imported);
        if (core) return core;
      }
      return new Unresolved(`${name} is not a constant in ${path}`, at);
    }
    const re = facts.reExports.get(name);
    if (re) {
      const module = this.graph.resolveModule(path, re.module);
      if (module) return this.exported(module, re.imported, at, depth + 1, seen);
      return builtin(re.module, re.imported) ?? new Unresolved(`${name} comes from outside the workspace`, at);
    }
    for (const star of facts.starExports) {
      const module = this.graph.resolveModule(path, star);
      if (!module) {
        const core = builtin(star, name);
        if (core) return core;
        continue;
      }
      const v = this.exported(module, name, at, depth + 1, seen);
      if (!(v instanceof Unresolved) || !v.reason.endsWith('is not exported')) return v;
    }
    return new Unresolved(`${name} is not exported`, at);
  }

  private call(e: CallExpression, path: string, depth: number): unknown {
    const facts = this.graph.facts(path);
    const callee = e.getExpression();
    const api = facts ? calleeName(callee, facts) : undefined;
    if (api === DECLARE_SCHEDULER) return { kind: 'scheduler-ref', call: e } satisfies SchedulerRef;
    const args = e.getArguments().map((a) => this.evaluate(a, depth + 1));
    const unresolved = args.find((a) => a instanceof Unresolved);
    if (api === 'cgroup') {
      if (unresolved) return unresolved;
      const [name, options] = args as [string, Record<string, unknown>];
      const value = cgroup(name, options as never);
      const optOrigin = typeof options === 'object' && options !== null ? this.origins.get(options) : undefined;
      const props = new Map(optOrigin?.props ?? []);
      if (e.getArguments()[0]) props.set('name', e.getArguments()[0]!);
      this.origins.set(value, { node: e, props, partial: optOrigin?.partial ?? true });
      return value;
    }
    if (Node.isPropertyAccessExpression(callee) && api !== undefined && api in HELPERS) {
      const helper = HELPERS[api]![callee.getName()];
      if (!helper) return new Unresolved(`${api}.${callee.getName()} is not a ${api} helper`, callee.getNameNode());
      if (unresolved) return unresolved;
      const value = helper(...(args as never[]));
      if (typeof value === 'object' && value !== null) this.origins.set(value, { node: e, props: new Map(), partial: false });
      return value;
    }
    return new Unresolved(`${shorten(e.getText())} is computed at run time`, e);
  }
}

/** The core name a callee refers to: `cgroup`, `work` of `work.spinWait`, `declareScheduler`. */
export function calleeName(callee: Node, facts: FileFacts): string | undefined {
  if (Node.isIdentifier(callee)) return facts.imports.get(callee.getText())?.imported ?? callee.getText();
  if (Node.isPropertyAccessExpression(callee)) {
    const target = callee.getExpression();
    if (!Node.isIdentifier(target)) return undefined;
    const imp = facts.imports.get(target.getText());
    if (imp?.imported === '*') return callee.getName();
    return imp?.imported ?? target.getText();
  }
  return undefined;
}

function unwrap(e: Node): Node {
  let cur: Node = e;
  for (;;) {
    if (Node.isParenthesizedExpression(cur) || Node.isAsExpression(cur) || Node.isSatisfiesExpression(cur)
      || Node.isNonNullExpression(cur) || Node.isTypeAssertion(cur)) {
      cur = (cur as Node & { getExpression(): Expression }).getExpression();
    } else {
      return cur;
    }
  }
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
