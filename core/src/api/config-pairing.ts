/**
 * Inline scheduler configs: a scheduler declared with `configFile` reads a config file whose
 * content each test supplies as `config`. The pairing rule is strict both ways so a test can
 * never silently run a scheduler on its built-in defaults, nor pass a config nobody reads.
 * Pure, so the language server imports it to flag the mismatch in the editor.
 */
import { KtstrError } from '../errors.js';

export interface ConfigFileDecl {
  /** The argument(s) that pass the file, with `{file}` where its guest path goes: '--config {file}'. */
  arg: string;
  /** Where the file is written in the guest. */
  guestPath: string;
}

export interface PairingScheduler {
  name: string;
  configFile?: ConfigFileDecl;
}

/** Throws unless `config` is given exactly when the scheduler declares a configFile. */
export function checkConfigPairing(scheduler: PairingScheduler | undefined, config: unknown, where = 'ktstrTest'): void {
  const has = config !== undefined;
  if (scheduler?.configFile && !has) {
    throw new KtstrError(`${where}.config`, undefined, `is missing: scheduler ${scheduler.name} reads its config from ${scheduler.configFile.guestPath}`,
      'Give the test a config: { ... } (JSON) for the scheduler to read.');
  }
  if (has && !scheduler?.configFile) {
    throw new KtstrError(`${where}.config`, config, scheduler ? `is given, but scheduler ${scheduler.name} declares no configFile` : 'is given, but the test runs under EEVDF (no scheduler)',
      "Remove config, or declare the scheduler with configFile: { arg: '--config {file}', guestPath: '/etc/sched.json' }.");
  }
}

/** The file's content: a string as given, anything else as JSON. */
export function configContent(config: unknown, where = 'config'): Buffer {
  if (typeof config === 'string') return Buffer.from(config);
  let text: string | undefined;
  try {
    text = JSON.stringify(config, null, 2);
  } catch (e) {
    throw new KtstrError(where, String(config), 'is not JSON-serialisable', 'Give a plain object or a string.', { cause: e });
  }
  if (text === undefined) throw new KtstrError(where, String(config), 'is not JSON-serialisable', 'Give a plain object or a string.');
  return Buffer.from(`${text}\n`);
}

/** The scheduler arguments that pass the file: `arg` split on spaces with `{file}` replaced. */
export function configArgs(decl: ConfigFileDecl): string[] {
  return decl.arg.trim().split(/\s+/).map((a) => a.split('{file}').join(decl.guestPath));
}

export function checkConfigFileDecl(decl: unknown, where: string): ConfigFileDecl {
  const d = decl as Partial<ConfigFileDecl> | undefined;
  if (typeof d !== 'object' || d === null) throw new KtstrError(where, decl, 'is not { arg, guestPath }', "E.g. configFile: { arg: '--config {file}', guestPath: '/etc/sched.json' }.");
  if (typeof d.arg !== 'string' || !d.arg.includes('{file}')) {
    throw new KtstrError(`${where}.arg`, d.arg, 'must contain {file}', "E.g. arg: '--config {file}' (or '--config={file}').");
  }
  if (typeof d.guestPath !== 'string' || !/^\/[^\s]+$/.test(d.guestPath) || d.guestPath.endsWith('/')) {
    throw new KtstrError(`${where}.guestPath`, d.guestPath, 'must be an absolute file path without spaces', "E.g. guestPath: '/etc/sched.json'.");
  }
  return { arg: d.arg, guestPath: d.guestPath };
}
