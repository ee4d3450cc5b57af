// The runfile's shell part under busybox sh, without a VM: a fake sysfs (KTSTR_SYS) for the
// shape and sched_ext checks and a stand-in agent that prints canned messages, so unpacking,
// the cell rewrite, the judge and the exit statuses are checked on their own.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunfile } from './build-runfile.js';
import { checksFile } from './recorded-checks.js';

const root = mkdtempSync(join(tmpdir(), 'ktstr-runfile-'));
after(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const hasBusybox = spawnSync('busybox', ['true']).error === undefined;

/** A sysfs with `llcs` LLCs of 2 CPUs, one node, no SMT; sched_ext in `state` (undefined: none). */
function fakeSys(name: string, llcs: number, state?: string, interleaved = false): string {
  const sys = join(root, name);
  const cpus = llcs * 2;
  mkdirSync(join(sys, 'devices/system/node/node0'), { recursive: true });
  mkdirSync(join(sys, 'devices/system/cpu'), { recursive: true });
  writeFileSync(join(sys, 'devices/system/node/node0/cpulist'), `0-${cpus - 1}\n`);
  writeFileSync(join(sys, 'devices/system/cpu/online'), `0-${cpus - 1}\n`);
  for (let c = 0; c < cpus; c++) {
    const d = join(sys, `devices/system/cpu/cpu${c}`);
    mkdirSync(join(d, 'cache/index3'), { recursive: true });
    mkdirSync(join(d, 'topology'), { recursive: true });
    writeFileSync(join(d, 'cache/index3/level'), '3\n');
    // Interleaved: LLC 0 is CPUs 0,2 and LLC 1 is 1,3, as some machines number them.
    const first = Math.floor(c / 2) * 2;
    writeFileSync(join(d, 'cache/index3/shared_cpu_list'), interleaved ? `${c % 2},${(c % 2) + 2}\n` : `${first}-${first + 1}\n`);
    writeFileSync(join(d, 'topology/thread_siblings_list'), `${c}\n`);
  }
  if (state) {
    mkdirSync(join(sys, 'kernel/sched_ext/root'), { recursive: true });
    writeFileSync(join(sys, 'kernel/sched_ext/state'), `${state}\n`);
    writeFileSync(join(sys, 'kernel/sched_ext/root/ops'), 'ktstr\n');
  }
  return sys;
}

const worker = (cgroup: string, index: number, iterations: number, cpus: number[]) => JSON.stringify({ type: 'worker', t_ms: 9, cgroup, index, pid: 10 + index, iterations, run_ns: 1e9, wait_ns: 0, timeslices: 10, migrations: 1, cpus, max_gap_us: 1000, wake_latency_us_p99: null, minflt: 1, nvcsw: 1 });

function runfile(name: string, messages: string[], scheduler?: string): string {
  // The stand-in agent: records the cell it was given next to it, prints the messages.
  const agent = join(root, `${name}-agent.sh`);
  writeFileSync(agent, `#!/bin/sh\ncp "$2" "$(dirname "$0")/../${name}.cell"\ncat <<'EOF'\n${messages.join('\n')}\nEOF\n`, { mode: 0o755 });
  const checks = checksFile([{ check: 'noStall', args: [], text: '' }, { check: 'ranOnlyOn', cgroup: 'a', args: [[0, 1]], text: '' }], []);
  const file = join(root, `${name}.run`);
  writeFileSync(file, buildRunfile({
    test: `it's ${name}`, topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, ...(scheduler ? { scheduler } : {}), schedulerIncluded: false,
    hostOnly: [], exportedAt: 'now', agent, checks,
    cell: `ktstr-cell 2\n${scheduler ? 'scheduler @KTSTR_DIR@/bin/x\nsched_arg -v\nsched_timeout_ms 100\n' : ''}cgroup a\nworkers 1\nwork spin_wait\nend\nstep run\nop add a\nhold_ms 10\nend\n`,
  }));
  return file;
}

const sh = (file: string, sys: string, ...args: string[]) => {
  const r = spawnSync('busybox', ['sh', file, ...args], { encoding: 'utf8', env: { ...process.env, KTSTR_SYS: sys, TMPDIR: root } });
  return { status: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
};

const skip = !isRoot ? 'needs root (the runfile refuses to run otherwise)' : !hasBusybox ? 'no busybox' : false;

test('pass, fail and the messages kept with --messages, under busybox sh', { skip }, () => {
  const good = [JSON.stringify({ type: 'ready', t_ms: 1, scheduler: null, attach_ms: 0 }), worker('a', 0, 5, [0, 1]), JSON.stringify({ type: 'done', t_ms: 9, ok: true })];
  const file = runfile('good', good);
  const saved = join(root, 'good.jsonl');
  const r = sh(file, fakeSys('two-llcs', 2), '--messages', saved);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.out.verdict, 'pass');
  assert.equal(r.out.test, "it's good");
  assert.equal(r.out.scheduler, null);
  assert.deepEqual(r.out.metrics.workers[0].cpus, [0, 1]);
  assert.equal(readFileSync(saved, 'utf8').trim(), good.join('\n'));
  // No scheduler lines were there to drop; the cell is the exported one.
  assert.match(readFileSync(join(root, 'good.cell'), 'utf8'), /^ktstr-cell 2\ncgroup a\n/);

  const bad = sh(runfile('bad', [worker('a', 0, 0, [2]), JSON.stringify({ type: 'done', t_ms: 9, ok: true })]), fakeSys('two-llcs-b', 2));
  assert.equal(bad.status, 1);
  assert.equal(bad.out.verdict, 'fail');
  assert.equal(bad.out.reason, 'no progress from cgroup a worker 0 (pid 10)');
  assert.deepEqual(bad.out.checks.map((c: { ok: boolean }) => c.ok), [false, false]);
});

test('cannot run: another shape, no active scheduler, an unknown argument — exit 2 with why', { skip }, () => {
  const file = runfile('sched', [], 'scx-ktstr');
  const shape = sh(file, fakeSys('one-llc', 1, 'enabled'));
  assert.equal(shape.status, 2);
  assert.match(shape.out.reason, /topology mismatch: this machine has 1 NUMA node\(s\), 1 LLC\(s\), 2 online CPU\(s\), 1 thread\(s\) per core; the test was exported for 1n2l2c1t .*--topology 1n1l2c1t/);
  const idle = sh(file, fakeSys('disabled', 2, 'disabled'));
  assert.equal(idle.status, 2);
  assert.match(idle.out.reason, /scx-ktstr, and none is active here \(sched_ext state disabled\)/);
  const noExt = sh(file, fakeSys('no-ext', 2));
  assert.match(noExt.out.reason, /this kernel has no sched_ext/);
  const omitted = sh(file, fakeSys('disabled-2', 2, 'disabled'), '--start-scheduler');
  assert.match(omitted.out.reason, /exported with --scheduler-binary omit/);
  const numbering = sh(file, fakeSys('interleaved', 2, 'enabled', true));
  assert.equal(numbering.status, 2);
  assert.match(numbering.out.reason, /CPU numbering differs: the LLC CPU sets here are \{ 0,2 1,3 \} where the test was exported for \{ 0,1 2,3 \}/);
  const unknown = sh(file, fakeSys('x', 2, 'enabled'), '--bogus');
  assert.equal(unknown.status, 2);
  assert.match(unknown.out.reason, /unknown argument --bogus/);
  // Under the active scheduler the cell is sent without its scheduler lines.
  const active = sh(file, fakeSys('enabled', 2, 'enabled'));
  assert.equal(active.out.scheduler, 'ktstr');
  assert.doesNotMatch(readFileSync(join(root, 'sched.cell'), 'utf8'), /^sched/m);
});
