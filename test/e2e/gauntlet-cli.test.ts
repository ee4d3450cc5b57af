// The gauntlet's planning surface end to end, without booting VMs: `ktstr test --list`, sharding
// and shell completions checked by bash itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'cli/bin/ktstr.js');
const ktstr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
// Two example files with one test each: the planning counts below are theirs.
const examples = ['eevdf-baseline.test.ts', 'fixture-scheduler.test.ts'].map((f) => join(root, 'examples', f));

interface Listed { mode: string; tests: string[]; cells: { name: string; status: string; reason: string; shard?: string; home: boolean }[] }
const list = (...args: string[]): Listed => {
  const r = ktstr('test', ...examples, '--list', '--json', '--kernel', 'k', ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed;
};
const running = (l: Listed) => l.cells.filter((c) => c.status === 'run').map((c) => c.name);

test('a default run is one home cell per test; --gauntlet expands and says why cells are skipped', () => {
  const d = list();
  assert.equal(d.mode, 'default');
  assert.deepEqual(running(d).sort(), [
    'disjoint cpusets make progress under scx-ktstr/tiny-2llc/k',
    'eevdf keeps pinned cgroups on their LLC/tiny-2llc/k',
  ]);
  const g = list('--gauntlet');
  assert.equal(g.mode, 'gauntlet');
  assert.equal(g.cells.length, 24, 'one pinned cell plus the 23 presets with 2 LLCs or more (the test gates on minLlcs: 2)');
  assert.ok(g.cells.filter((c) => c.status === 'skip').every((c) => c.reason.startsWith('host: ')));
});

test('--kernel A --kernel B doubles the cells; --topology and --filter narrow them', () => {
  assert.equal(running(list('--kernel', 'k2')).length, 4);
  assert.deepEqual(running(list('--topology', 'smt-2llc')), ['disjoint cpusets make progress under scx-ktstr/smt-2llc/k']);
  assert.deepEqual(running(list('--gauntlet', '--filter', 'odd-3llc')), ['disjoint cpusets make progress under scx-ktstr/odd-3llc/k']);
});

test('shards of a gauntlet are disjoint and together are the whole run', () => {
  const whole = running(list('--gauntlet')).sort();
  const parts = [1, 2, 3].map((k) => running(list('--gauntlet', '--shard', `${k}/3`)));
  assert.deepEqual(parts.flat().sort(), whole);
  assert.ok(parts.every((p) => p.length >= 2), JSON.stringify(parts));
});

test('a budget lists its choice and stays within it', () => {
  const l = list('--gauntlet', '--budget', '20');
  assert.equal(l.mode, 'budget');
  const chosen = l.cells.filter((c) => c.status === 'run');
  assert.ok(chosen.length >= 1);
  assert.ok(chosen.every((c) => /^budget: \+\d+ feature/.test(c.reason)));
});

test('ktstr --help lists subcommands in a stable order', () => {
  const out = ktstr('--help').stdout;
  const order = ['test', 'stats merge', 'kernel fetch', 'completions', 'show-host', 'presets', 'locks', 'shell', 'cache clean'];
  const at = order.map((c) => out.search(new RegExp(`^    ${c} `, 'm')));
  assert.ok(at.every((i) => i > 0), out);
  assert.deepEqual([...at].sort((a, b) => a - b), at);
});

test('bash accepts the completion script and completes subcommands, flags, presets and test names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-compl-'));
  try {
    // The completion runs `ktstr` from PATH at completion time, as an installed CLI would.
    writeFileSync(join(dir, 'ktstr'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`);
    chmodSync(join(dir, 'ktstr'), 0o755);
    const complete = (words: string[]) => {
      const script = `source <(ktstr completions bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ktstr; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    const registered = spawnSync('bash', ['-c', 'source <(ktstr completions bash); complete -p ktstr'], {
      encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    assert.equal(registered.stdout.trim(), 'complete -o filenames -F _ktstr ktstr');
    assert.deepEqual(complete(['ktstr', 'sh']).sort(), ['shell', 'show-host', 'show-thresholds']);
    assert.deepEqual(complete(['ktstr', 'stats', '']).sort(), ['clean', 'compare', 'list', 'merge', 'show']);
    assert.ok(complete(['ktstr', 'test', '--']).includes('--gauntlet'));
    assert.deepEqual(complete(['ktstr', 'test', '--topology', 'numa2']), ['numa2-4llc', 'numa2-8llc', 'numa2-8llc-nosmt']);
    const names = complete(['ktstr', 'test', 'examples', '--filter', 'eevdf']);
    assert.deepEqual(names, ['eevdf\\ keeps\\ pinned\\ cgroups\\ on\\ their\\ LLC']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zsh and fish scripts name every subcommand', () => {
  for (const shell of ['zsh', 'fish']) {
    const r = ktstr('completions', shell);
    assert.equal(r.status, 0);
    for (const c of ['test', 'stats', 'show-host', 'completions', 'locks']) assert.ok(r.stdout.includes(`'${c}`), `${shell}: ${c}`);
  }
  assert.equal(ktstr('completions', 'tcsh').status, 2);
});

/** Runs `script` in `shell` with a `ktstr` on PATH, as an installed CLI would be. */
function inShell(shell: string, script: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-compl-'));
  try {
    writeFileSync(join(dir, 'ktstr'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`);
    chmodSync(join(dir, 'ktstr'), 0o755);
    writeFileSync(join(dir, `ktstr.${shell}`), ktstr('completions', shell).stdout);
    return spawnSync(shell, ['-c', script.replaceAll('SCRIPT', join(dir, `ktstr.${shell}`))], {
      cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 120_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasShell = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

test('fish completes subcommands and preset names from the script', { skip: hasShell('fish') ? false : 'fish is not installed (npm run bootstrap installs it)' }, () => {
  const subcommands = inShell('fish', 'source SCRIPT; complete -C "ktstr "');
  assert.equal(subcommands.status, 0, subcommands.stderr);
  for (const c of ['test', 'stats', 'show-host', 'completions', 'scenarios']) assert.match(subcommands.stdout, new RegExp(`^${c}\t`, 'm'));
  const presets = inShell('fish', 'source SCRIPT; complete -C "ktstr test --topology numa2"');
  assert.deepEqual(presets.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]).sort(), ['numa2-4llc', 'numa2-8llc', 'numa2-8llc-nosmt']);
});

test('zsh parses the script and registers it with compinit', { skip: hasShell('zsh') ? false : 'zsh is not installed (npm run bootstrap installs it)' }, () => {
  assert.equal(inShell('zsh', 'zsh -n SCRIPT').status, 0);
  const r = inShell('zsh', 'autoload -U compinit; compinit -u; source SCRIPT; whence -w _ktstr; print -r -- ${_comps[ktstr]}');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^_ktstr: function$/m);
  assert.match(r.stdout, /^_ktstr$/m);
});

test('gates that no preset passes stop the run before anything boots', () => {
  const dir = mkdtempSync(join(root, 'examples', '.tmp-gates-'));
  try {
    const file = join(dir, 'bad.test.ts');
    writeFileSync(file, `import { ktstrTest } from '@ktstr/core';\nktstrTest('too big', { minNumaNodes: 9 }, async () => {});\n`);
    const r = ktstr('test', file, '--list');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no x86_64 preset passes these gates \(minNumaNodes: 9\)/);
    writeFileSync(file, `import { ktstrTest } from '@ktstr/core';\nktstrTest('both', { performanceMode: true, noPerfMode: true }, async () => {});\n`);
    assert.match(ktstr('test', file, '--list').stderr, /noPerfMode: is set together with performanceMode/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
