/**
 * bench/scenario: what the agent's bookkeeping costs a workload. The same spin_wait loop runs
 * for the same time on the same topology twice, each in a fresh VM under EEVDF:
 *  - agent: a one-step scenario with one spin_wait worker per CPU (cgroups, per-iteration
 *    clock reads, gap tracking, final per-worker reports);
 *  - bare: an exec cell whose /bin/sh starts `/init --work-loop spin_wait MS` once per CPU in
 *    the background (the agent's loop with none of the scenario machinery) and sums the
 *    `iterations N` lines they print.
 * Prints agent / bare total iterations; target >= 0.97. Rounds alternate to share drift.
 *
 *   node --import tsx bench/scenario.ts     (KTSTR_BENCH_ROUNDS=N, KTSTR_BENCH_MS=ms)
 */
import { CellVm, cgroup, hold, resolveKernel, topologyLabel, totalCpus, work, type Topology } from '@ktstr/core';

const topology: Topology = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 2);
const ms = Number(process.env.KTSTR_BENCH_MS ?? 3000);
const cpus = totalCpus(topology);
const kernel = await resolveKernel(process.env.KTSTR_KERNEL, (l) => process.stderr.write(`bench: ${l}\n`));

async function underAgent(): Promise<number> {
  const vm = await CellVm.boot({ name: `bench-scenario-agent/${topologyLabel(topology)}`, kernel, topology, durationMs: ms });
  try {
    const r = await vm.run([cgroup('spin', { workers: cpus, work: work.spinWait() })], hold.fixed(ms));
    return r.metrics.totalIterations;
  } finally {
    await vm.destroy();
  }
}

async function underShell(): Promise<number> {
  const vm = await CellVm.boot({ name: `bench-scenario-bare/${topologyLabel(topology)}`, kernel, topology, durationMs: ms });
  try {
    const loops = Array.from({ length: cpus }, () => `/init --work-loop spin_wait ${ms} &`).join(' ');
    const r = await vm.runCommand({ exec: `${loops} wait` });
    const counts = [...r.stdout.matchAll(/^iterations (\d+)$/gm)].map((m) => Number(m[1]));
    if (r.status !== 0 || counts.length !== cpus) {
      throw new Error(`bare loop: status ${r.status}, ${counts.length} of ${cpus} counts; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    await vm.destroy();
  }
}

const agent: number[] = [];
const bare: number[] = [];
for (let i = 0; i < rounds; i++) {
  agent.push(await underAgent());
  bare.push(await underShell());
  process.stderr.write(`bench: round ${i + 1}: agent ${agent[i]} bare ${bare[i]}\n`);
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const ratio = sum(agent) / sum(bare);
process.stdout.write(`scenario overhead on ${topologyLabel(topology)}, ${ms} ms x ${rounds} rounds: agent ${sum(agent)} / bare ${sum(bare)} iterations = ${ratio.toFixed(3)} (target >= 0.97) ${ratio >= 0.97 ? 'ok' : 'BELOW TARGET'}\n`);
