/**
 * Where the extension finds the language server and the `ktstr` CLI: an explicit setting, else
 * the workspace's own node_modules (the versions the project's tests use), else PATH for the
 * CLI. No `vscode` import, so it is unit-tested under plain node.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function findServer(setting: string | undefined, folders: readonly string[]): string | undefined {
  if (setting) return existsSync(setting) ? setting : undefined;
  for (const f of folders) {
    const p = join(f, 'node_modules', '@ktstr', 'language-server', 'dist', 'server.js');
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function findCli(setting: string | undefined, folders: readonly string[]): string {
  if (setting) return setting;
  for (const f of folders) {
    const p = join(f, 'node_modules', '.bin', 'ktstr');
    if (existsSync(p)) return p;
  }
  return 'ktstr';
}
