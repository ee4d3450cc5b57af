/**
 * Guest coverage of the scheduler's loader: the `.gcda` files a gcov-instrumented loader wrote in
 * the guest (returned by the agent, saved by guest-files.ts) become lcov through the compiler's
 * own `gcov` tool.
 *
 * How a `.gcda` finds its `.gcno`: the instrumented binary knows where it was compiled (the
 * object's absolute path, e.g. native/out/scheduler-cov-obj/scx_ktstr.gcda); the guest runs it
 * with GCOV_PREFIX=/ktstr/coverage and GCOV_PREFIX_STRIP=0, so the file arrives as
 * /ktstr/coverage/<that absolute path>, and the `.gcno` is at that path on the host. The pair is
 * copied into the cell's own directory and `gcov` runs there, so cells never share a `.gcda`.
 *
 * `gcov -t` (text to stdout) is read rather than gcc's JSON because it is what both GCC's gcov
 * and `llvm-cov gcov` print (KTSTR_GCOV picks the tool; default `gcov`, matching the `cc` the
 * fixture is built with).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { KtstrError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import { emptyFileCoverage, type FileCoverage, type Tracefile } from './lcov.js';

/**
 * lcov of `gcov -t` output. Every `Source:` section is one file; lines marked `-` are not
 * executable, `#####`/`=====` ran 0 times, and a count may carry `*` (some blocks of the line
 * did not run), which does not change the line's hits.
 */
export function parseGcovText(text: string): Tracefile {
  const out: Tracefile = new Map();
  let cur: FileCoverage | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*([^:]+):\s*(\d+):(.*)$/.exec(line);
    if (!m) continue;
    const [, countField, lineField, rest] = m;
    const c = countField!.trim();
    const lineNo = Number(lineField);
    if (lineNo === 0) {
      if (rest!.startsWith('Source:')) {
        const path = rest!.slice('Source:'.length);
        cur = out.get(path) ?? emptyFileCoverage();
        out.set(path, cur);
      }
      continue;
    }
    if (!cur || c === '-') continue;
    const hits = c === '#####' || c === '=====' ? 0 : Number(c.replace(/\*$/, ''));
    if (!Number.isFinite(hits)) continue;
    cur.lines.set(lineNo, (cur.lines.get(lineNo) ?? 0) + hits);
  }
  return out;
}

/**
 * Which sources of a loader's coverage are reported: files that exist on the host, outside the
 * system headers and ktstr's toolchain cache (libbpf's and sched_ext's inline helpers), and not
 * the generated skeleton of a temporary build directory (gone, so not existing).
 */
export function isReportedSource(path: string): boolean {
  if (!path.startsWith('/') || !existsSync(path)) return false;
  return !path.startsWith('/usr/') && !path.startsWith(`${cacheRoot()}${sep}`);
}

function findGcda(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findGcda(p));
    else if (name.endsWith('.gcda')) out.push(p);
  }
  return out;
}

export interface GcovConversion {
  tracefile: Tracefile;
  /** `.gcda` files read. */
  gcdaFiles: number;
  /** Why a `.gcda` could not be read (its `.gcno` is gone, gcov failed, ...). */
  problems: string[];
}

/**
 * lcov of every `.gcda` under `collectedDir`, whose layout is `<cell>/<absolute path of the
 * .gcda at build time>` (see guest-files.ts). Hits of the same source across cells are summed.
 */
export function gcdaToTracefile(collectedDir: string, gcov = process.env.KTSTR_GCOV || 'gcov'): GcovConversion {
  const result: GcovConversion = { tracefile: new Map(), gcdaFiles: 0, problems: [] };
  if (!existsSync(collectedDir)) return result;
  for (const cellDir of readdirSync(collectedDir).map((n) => join(collectedDir, n))) {
    if (!statSync(cellDir).isDirectory()) continue;
    for (const gcda of findGcda(cellDir)) {
      const buildPath = `/${relative(cellDir, gcda)}`;
      const gcno = buildPath.replace(/\.gcda$/, '.gcno');
      if (!existsSync(gcno)) {
        result.problems.push(`${buildPath}: no ${gcno} on this host (rebuild the coverage binary here: native/scripts/build-scheduler.sh --coverage)`);
        continue;
      }
      const beside = join(dirname(gcda), basename(gcno));
      copyFileSync(gcno, beside);
      const r = spawnSync(gcov, ['-t', '-o', '.', basename(gcda)], { cwd: dirname(gcda), encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.error) {
        throw new KtstrError('KTSTR_GCOV', gcov, `could not run: ${r.error.message}`,
          'Install gcc (its gcov reads what gcc --coverage wrote), or point KTSTR_GCOV at the gcov of the compiler that built the scheduler.');
      }
      if (r.status !== 0) {
        result.problems.push(`${buildPath}: ${gcov} exited with ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
        continue;
      }
      result.gcdaFiles++;
      for (const [path, f] of parseGcovText(r.stdout)) {
        if (!isReportedSource(path)) continue;
        const into = result.tracefile.get(path) ?? emptyFileCoverage();
        for (const [ln, hits] of f.lines) into.lines.set(ln, (into.lines.get(ln) ?? 0) + hits);
        result.tracefile.set(path, into);
      }
    }
  }
  return result;
}
