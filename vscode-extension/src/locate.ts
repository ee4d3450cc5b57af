/**
 * Where the extension finds the language server and the `ktstr` CLI: an explicit setting, else
 * the node_modules of the workspace folder or of a directory above it (the versions the
 * project's tests use: `npm install --save-dev @ktstr/core ktstr @ktstr/language-server` in the
 * scheduler's repository, which may be opened at a subfolder), else PATH for the CLI. No
 * `vscode` import, so it is unit-tested under plain node.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `rel` under node_modules of each folder or its nearest ancestor that has it. */
function installed(folders: readonly string[], rel: readonly string[]): string | undefined {
  for (const f of folders) {
    for (let dir = resolve(f); ; dir = dirname(dir)) {
      const p = join(dir, 'node_modules', ...rel);
      if (existsSync(p)) return p;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

export function findServer(setting: string | undefined, folders: readonly string[]): string | undefined {
  if (setting) return existsSync(setting) ? setting : undefined;
  return installed(folders, ['@ktstr', 'language-server', 'dist', 'server.js']);
}

export function findCli(setting: string | undefined, folders: readonly string[]): string {
  if (setting) return setting;
  return installed(folders, ['.bin', 'ktstr']) ?? 'ktstr';
}
