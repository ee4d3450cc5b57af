/** `ktstr show-host`: what this host offers ktstr: CPUs, LLCs, NUMA nodes, acceleration and budgets. */
import type { Sade } from 'sade';
import { getAffinity } from '@ktstr/native';
import { QEMU_BINARY, chooseAccel, defaultCpuCap, formatCpulist, readHostTopology, tcgMaxVcpus } from '@ktstr/core';
import { action, printJson } from '../output.js';

export function registerShowHostCommand(prog: Sade): void {
  prog
    .command('show-host')
    .describe('Show the host CPUs, LLCs and NUMA nodes, and which acceleration is usable and why.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const host = readHostTopology('/sys', getAffinity(0));
      let accel: { accel: string; reason: string };
      try {
        accel = chooseAccel(QEMU_BINARY);
      } catch (e) {
        accel = { accel: 'none', reason: (e as Error).message };
      }
      const info = {
        onlineCpus: formatCpulist(host.onlineCpus),
        allowedCpus: formatCpulist(host.allowedCpus),
        threadsPerCore: host.threadsPerCore,
        numaNodes: host.numaNodes.map((n) => ({ id: n.id, cpus: formatCpulist(n.cpus) })),
        llcs: host.llcs.map((l) => ({ id: l.id, node: l.node, cpus: formatCpulist(l.cpus) })),
        llcSource: host.llcSource,
        accel: accel.accel,
        accelReason: accel.reason,
        defaultCpuCap: defaultCpuCap(host),
        cpuCapEnv: process.env.KTSTR_CPU_CAP ?? null,
        maxVcpus: accel.accel === 'tcg' ? tcgMaxVcpus() : host.allowedCpus.length,
      };
      if (opts.json) return printJson(info);
      const w = (k: string, v: string) => process.stdout.write(`${k.padEnd(16)}${v}\n`);
      w('CPUs', `${host.onlineCpus.length} online (${info.onlineCpus}), ${host.allowedCpus.length} allowed to this process (${info.allowedCpus})`);
      w('SMT', host.threadsPerCore > 1 ? `${host.threadsPerCore} threads per core` : 'no');
      w('NUMA nodes', info.numaNodes.map((n) => `node${n.id}: ${n.cpus}`).join('; '));
      w('LLCs', `${info.llcs.map((l) => `llc${l.id}: ${l.cpus} (node${l.node})`).join('; ')}  [from ${host.llcSource}]`);
      w('acceleration', `${accel.accel}: ${accel.reason}`);
      w('cpu budget', `--cpu-cap default ${info.defaultCpuCap} CPU(s) (30% of allowed, min 1)${info.cpuCapEnv ? `; KTSTR_CPU_CAP=${info.cpuCapEnv}` : ''}`);
      w('largest cell', accel.accel === 'tcg'
        ? `${info.maxVcpus} vCPUs under TCG (KTSTR_TCG_MAX_VCPUS; noPerfMode lifts it)`
        : `${info.maxVcpus} vCPUs; LLCs and NUMA nodes up to the host's unless noPerfMode`);
    }));
}
