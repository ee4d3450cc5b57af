/**
 * Test discovery: `ktstr test --list`, budget selection and sharding must know every declared
 * test before any runs. With KTSTR_DISCOVER=1, `ktstrTest` records its declaration here instead
 * of registering node:test tests; core/src/gauntlet/discover-main.ts imports the test files and
 * writes what was recorded. The store lives on globalThis so that a test file importing
 * @ktstr/core through another path still lands in the same list.
 */
import type { DeclaredTest } from './plan.js';

const KEY = Symbol.for('ktstr.declaredTests');
type Holder = { [KEY]?: DeclaredTest[] };

export function discoveryMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KTSTR_DISCOVER === '1';
}

export function recordDeclaration(test: DeclaredTest): void {
  const g = globalThis as Holder;
  (g[KEY] ??= []).push(test);
}

const BODIES = Symbol.for('ktstr.declaredBodies');
type BodyHolder = { [BODIES]?: Map<string, unknown> };

/**
 * Keeps a declared test's body in this process (never written out), for a probe that runs it
 * against a stand-in VM to see whether its scenario fits a topology (scenario-probe.ts).
 */
export function recordBody(name: string, body: unknown): void {
  ((globalThis as BodyHolder)[BODIES] ??= new Map()).set(name, body);
}

export function declaredBody(name: string): unknown {
  return (globalThis as BodyHolder)[BODIES]?.get(name);
}

const OPTIONS = Symbol.for('ktstr.declaredOptions');
type OptionsHolder = { [OPTIONS]?: Map<string, unknown> };

/** Keeps a declared test's options (its scheduler declaration with the binary) in this process, for `ktstr export`. */
export function recordOptions(name: string, options: unknown): void {
  ((globalThis as OptionsHolder)[OPTIONS] ??= new Map()).set(name, options);
}

export function declaredOptions(name: string): unknown {
  return (globalThis as OptionsHolder)[OPTIONS]?.get(name);
}

export function takeDeclarations(): DeclaredTest[] {
  const g = globalThis as Holder;
  const out = g[KEY] ?? [];
  g[KEY] = [];
  return out;
}
