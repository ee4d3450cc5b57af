/**
 * Assembles a runfile: the script (runfile-script.ts) followed by a base64 tar.gz payload
 * with the static agent, the cell (scheduler path left as @KTSTR_DIR@, filled in on the
 * target), the checks, the judge (evaluate.awk) and, when included, the scheduler with its
 * shared-library closure under root/ and a wrapper that starts it through the packaged
 * dynamic loader, so it does not depend on the target's libraries.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { resolveSharedLibraries } from '../initramfs/closure.js';
import { readElfFile } from '../initramfs/elf.js';
import { EVALUATE_AWK } from './evaluate-awk.js';
import { PAYLOAD_MARKER, type RunfileHeader, runfileScript, shQuote } from './runfile-script.js';

export const SCHEDULER_DIR_TOKEN = '@KTSTR_DIR@';

export interface RunfileInput extends RunfileHeader {
  agent: string;
  cell: string;
  checks: string;
  /** The scheduler binary on this host, when it is included. */
  schedulerBinary?: string;
}

/** The guest path the cell names for the scheduler: the wrapper inside the extracted directory. */
export const schedulerWrapperPath = (name: string): string => `${SCHEDULER_DIR_TOKEN}/bin/${name}`;

export function buildRunfile(input: RunfileInput): Buffer {
  const stage = mkdtempSync(join(tmpdir(), 'ktstr-export-'));
  try {
    copyFileSync(input.agent, join(stage, 'ktstr-guest'));
    chmodSync(join(stage, 'ktstr-guest'), 0o755);
    writeFileSync(join(stage, 'cell.conf.in'), input.cell);
    writeFileSync(join(stage, 'checks'), input.checks);
    writeFileSync(join(stage, 'evaluate.awk'), EVALUATE_AWK);
    if (input.schedulerBinary) stageScheduler(stage, input.schedulerBinary);
    const tar = spawnSync('tar', ['-C', stage, '--owner=0', '--group=0', '-czf', '-', '.'], { maxBuffer: 1 << 30 });
    if (tar.status !== 0) throw new Error(`tar of the runfile payload in ${stage} failed: ${tar.stderr.toString().trim()}`);
    const b64 = tar.stdout.toString('base64').replace(/.{76}/g, '$&\n');
    return Buffer.concat([Buffer.from(runfileScript(input)), Buffer.from(b64), Buffer.from('\n')]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function stageScheduler(stage: string, binary: string): void {
  const root = join(stage, 'root');
  const name = basename(binary);
  const put = (guestPath: string) => {
    const to = join(root, guestPath);
    mkdirSync(dirname(to), { recursive: true });
    return to;
  };
  copyFileSync(binary, put(`/bin/${name}`));
  chmodSync(join(root, 'bin', name), 0o755);
  const dirs = new Set<string>();
  for (const lib of resolveSharedLibraries([binary])) {
    const to = put(lib.guestPath);
    if (lib.kind === 'symlink') {
      // Absolute targets would point into the target's own /lib: make them relative.
      const target = posix.isAbsolute(lib.target) ? posix.relative(posix.dirname(lib.guestPath), lib.target) : lib.target;
      symlinkSync(target, to);
    } else {
      copyFileSync(lib.hostPath, to);
    }
    dirs.add(posix.dirname(lib.guestPath));
  }
  const interp = readElfFile(binary).interpreter;
  const libraryPath = [...dirs].sort().map((d) => `$d/root${d}`).join(':');
  const run = interp
    ? `exec "$d/root${interp}" --library-path "${libraryPath}" "$d/root/bin/${name}" "$@"`
    : `exec "$d/root/bin/${name}" "$@"`;
  mkdirSync(join(stage, 'bin'), { recursive: true });
  writeFileSync(join(stage, 'bin', name), `#!/bin/sh\n# Starts ${shQuote(name)} with the libraries it was exported with, not the machine's.\nd=$(cd "$(dirname "$0")/.." && pwd)\n${run}\n`, { mode: 0o755 });
}

export { PAYLOAD_MARKER };
