// The spare keeper (core/src/runner/spare-keeper.ts): the test files of one node:test run share
// prepared QEMUs, so a file's first restore does not start QEMU itself; and the keeper leaves
// nothing behind, neither after a run that ends normally nor after a Ctrl-C in the middle of a
// cell. Only what this run made is checked: other runs on a shared host start VMs meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const files = ['a', 'b', 'c'].map((x) => join(root, `test/fixtures/keeper-file-${x}.ts`));
const scratch = mkdtempSync(join(tmpdir(), 'ktstr-keeper-test-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

/** /proc/PID/stat's fields after the command name (state, parent, ...); none once the process is gone. */
const statFields = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
};
/** Running or dying, but not a zombie. */
const alive = (pid: number) => {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
};
/** The state and parent of a process, for a failure message. */
const procState = (pid: number) => {
  const f = statFields(pid);
  return f ? `state ${f[0]}, parent ${f[1]}` : 'no such process';
};
/** Polls `done` every 100 ms for up to `ms`: what was killed may take a moment to finish dying. */
async function settle(done: () => boolean, ms: number) {
  for (let waited = 0; waited < ms && !done(); waited += 100) await sleep(100);
}
const ramFilesOf = (pid: number) => readdirSync('/dev/shm').filter((n) => n.startsWith(`ktstr-ram-${pid}-`));
const qemuWith = (needle: string) => {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/**
 * A node:test run of the three fixture files in its own process group, with the keeper's trace in
 * `trace`: each cell holds `holdMs`, and the last file lingers `tailMs` after its cell.
 */
function startRun(trace: string, holdMs: number, tailMs = 0) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KTSTR_TRACE_KEEPER: trace, KEEPER_FIXTURE_HOLD_MS: String(holdMs), KEEPER_FIXTURE_TAIL_MS: String(tailMs), NODE_TEST_CONTEXT: undefined },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The QEMUs the keeper handed over, in order, from its trace. */
const handedPids = (trace: string) => [...readFileSync(trace, 'utf8').matchAll(/\(pid (\d+)\) over/g)].map((m) => Number(m[1]));
const keeperPid = (trace: string) => Number(/spare keeper (\d+): listening/.exec(existsSync(trace) ? readFileSync(trace, 'utf8') : '')?.[1]);

async function assertKeeperGone(trace: string, what: string) {
  const pid = keeperPid(trace);
  assert.ok(pid > 0, `${what}: the keeper started (trace:\n${existsSync(trace) ? readFileSync(trace, 'utf8') : 'none'})`);
  await settle(() => !alive(pid), 5000);
  assert.equal(alive(pid), false, `${what}: the keeper (pid ${pid}) stopped`);
  assert.deepEqual(ramFilesOf(pid), [], `${what}: no RAM file of the keeper's QEMUs is left`);
  // Its QEMUs get their parent-death SIGKILL as it exits, and may take a moment to finish dying.
  await settle(() => qemuWith(`ktstr-ram-${pid}-`).length === 0, 5000);
  assert.deepEqual(qemuWith(`ktstr-ram-${pid}-`), [], `${what}: none of its QEMUs runs`);
  return pid;
}

test('the files of one run take their first restore from the keeper, and it leaves nothing when the run ends', { skip: skipReason, timeout: 300_000 }, async () => {
  const trace = join(scratch, 'normal.log');
  const run = startRun(trace, 300);
  const code = await run.exited;
  assert.equal(code, 0, run.output().slice(-3000));
  const lines = run.output().match(/KEEPER-FIXTURE .*/g) ?? [];
  assert.equal(lines.length, 3, run.output().slice(-3000));
  // The first file starts the keeper; the later ones find a spare ready in it.
  for (const l of lines.slice(1)) {
    assert.match(l, /how=restored/, l);
    assert.match(l, /adopted=1/, `a later file's first restore used the keeper's spare: ${l}`);
  }
  process.stderr.write(`spare-keeper: ${lines.join(' | ')}\n`);
  await assertKeeperGone(trace, 'after a normal run');
  assert.match(readFileSync(trace, 'utf8'), /stopping: the runner \(pid \d+\) is gone/, 'it stopped because the run ended');
});

test('Ctrl-C during a cell that runs on a handed-over QEMU leaves no keeper, no QEMU and no RAM file', { skip: skipReason, timeout: 300_000 }, async () => {
  const trace = join(scratch, 'interrupt.log');
  const run = startRun(trace, 20_000);
  // Until the second file runs its cell on a QEMU the keeper handed over.
  for (let i = 0; i < 1200 && !/KEEPER-FIXTURE b .*adopted=1/.test(run.output()); i++) await sleep(100);
  assert.match(run.output(), /KEEPER-FIXTURE b .*adopted=1/, run.output().slice(-3000));
  const filePid = Number(/KEEPER-FIXTURE b pid=(\d+)/.exec(run.output())![1]);
  const handed = handedPids(trace);
  assert.ok(handed.length >= 1 && handed.some(alive), 'a handed-over QEMU runs the cell');
  await sleep(1000);
  process.kill(-run.child.pid!, 'SIGINT');
  await run.exited;
  const keeper = await assertKeeperGone(trace, 'after Ctrl-C');
  // The keeper's exit sends its QEMUs their parent-death SIGKILL; a QEMU then still unmaps its
  // guest RAM, which on a loaded host takes a moment after the keeper itself is gone.
  for (const q of handed) {
    await settle(() => !alive(q), 10_000);
    assert.equal(alive(q), false, `QEMU ${q} is gone (${procState(q)})`);
  }
  assert.deepEqual(ramFilesOf(filePid), [], 'the file process left no RAM file');
  process.stderr.write(`spare-keeper: keeper ${keeper}, handed-over QEMUs ${handed.join(', ')}: all gone after SIGINT\n`);
});

// Found by the fault soak: a keeper outlived its run by more than 15 s, with a QEMU and its RAM
// file, because its stop waited for a spare whose preparation hung on QMP. Here the spare the last
// file's cell asks for is stopped (SIGSTOP) the moment its QEMU appears, so its preparation hangs
// at the QMP greeting while the run ends; the keeper must still go within the usual few seconds.
test('a keeper whose last spare hangs in preparation still leaves nothing soon after its run', { skip: skipReason, timeout: 300_000 }, async () => {
  const trace = join(scratch, 'stopped-spare.log');
  // The last file lingers, so the test has time to stop the spare its cell asked for.
  const run = startRun(trace, 300, 3000);
  let ended = false;
  void run.exited.then(() => (ended = true));
  // Files b and c each take a spare; the keeper logs each handover before replying, and the spare
  // after c's cell is launched only once c has run it. So once two handovers are logged, a keeper
  // QEMU that was not handed over is that last spare. (The fixture's own output comes too late to
  // tell: on a loaded host the last spare is already up when "KEEPER-FIXTURE c" arrives.)
  const stopped: number[] = [];
  let handed: number[] = [];
  while (!ended) {
    const keeper = keeperPid(trace);
    if (keeper > 0) {
      handed = handedPids(trace);
      if (handed.length >= 2) {
        for (const q of qemuWith(`ktstr-ram-${keeper}-`).map(Number)) {
          if (handed.includes(q) || stopped.includes(q)) continue;
          process.kill(q, 'SIGSTOP');
          stopped.push(q);
        }
      }
    }
    await sleep(10);
  }
  assert.equal(await run.exited, 0, run.output().slice(-3000));
  assert.ok(stopped.length >= 1, `the spare asked for after the last cell was stopped (handed over: ${handed.join(', ')})`);
  await assertKeeperGone(trace, 'after a run whose last spare hung');
  for (const q of stopped) assert.equal(alive(q), false, `the stopped spare ${q} is gone`);
});
