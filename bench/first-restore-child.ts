/**
 * One new process's first restore, for bench/boot.ts: CellVm.boot() of an EEVDF cell from the
 * post-boot snapshot, timed from the call to the agent's answer (the process's start-up and
 * imports are not counted). Prints {"ms":..,"how":..,"adopted":..} on stdout.
 */
import { performance } from 'node:perf_hooks';
import { CellVm, resolveKernel, spareCounters, spareSettled, type Topology } from '@ktstr/core';

const topology = JSON.parse(process.argv[2]!) as Topology;
const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
const t0 = performance.now();
const vm = await CellVm.boot({ name: 'bench/first-restore', kernel, topology, durationMs: 1000 });
const ms = performance.now() - t0;
await vm.destroy();
// The spare for the next process is being made (by the keeper, or here): let it finish first.
await spareSettled();
process.stdout.write(`${JSON.stringify({ ms, how: vm.bootedHow, adopted: spareCounters.adopted })}\n`);
