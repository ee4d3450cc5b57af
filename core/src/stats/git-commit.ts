/**
 * The project's revision a run measured, so runs of two commits can be told apart and
 * compared. Untracked files do not make it dirty: the run store itself lives in the project.
 */
import { spawnSync } from 'node:child_process';

/** `<sha>`, `<sha>-dirty` with uncommitted changes to tracked files, or null outside a git work tree. */
export function projectCommit(dir: string): string | null {
  const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--verify', '-q', 'HEAD');
  if (head.error || head.status !== 0) return null;
  const sha = head.stdout.trim();
  if (!sha) return null;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return status.status === 0 && status.stdout.trim() !== '' ? `${sha}-dirty` : sha;
}
