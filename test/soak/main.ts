/**
 * `npm run soak -- [--faults N] [--seed S] [--kinds a,b] [--hold-ms MS] [--json]`: the fault
 * soak (docs/soak.md). Prints the seed first, a line per fault as it goes, then the table (or,
 * with --json, one document on stdout). Exits 1 when a fault's outcome was not as expected or
 * anything was left behind.
 */
import { parseArgs } from 'node:util';
import { KtstrError, vmUnavailableReason } from '@ktstr/core';
import { FAULTS } from './faults/index.js';
import { renderTable, soak } from './soak.js';

const { values } = parseArgs({
  options: {
    faults: { type: 'string', default: '16' },
    seed: { type: 'string' },
    kinds: { type: 'string' },
    'hold-ms': { type: 'string', default: '1000' },
    'shm-mib': { type: 'string', default: '2048' },
    json: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`soak: --${name} must be a whole number, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
}

if (values.list) {
  for (const f of FAULTS) process.stdout.write(`${f.kind.padEnd(24)} ${f.summary}\n`);
  process.exit(0);
}
const why = vmUnavailableReason();
if (why) {
  process.stderr.write(`soak: cannot run VMs here: ${why}\n`);
  process.exit(values.json ? 0 : 2);
}
// Ctrl-C (or SIGTERM) stops after the fault under way, which then cleans up as usual; the table
// covers the faults done. (The runs are process groups of their own: the signal does not reach them.)
let stop = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(`soak: ${sig}: stopping after the fault under way (again to quit at once, leaving its scratch directory)\n`);
  });
}
const kinds = values.kinds?.split(',').map((k) => k.trim()).filter(Boolean);
const unknown = (kinds ?? []).filter((k) => !FAULTS.some((f) => f.kind === k));
if (unknown.length) {
  process.stderr.write(`soak: --kinds: unknown fault kind(s) ${unknown.join(', ')}; see \`npm run soak -- --list\`\n`);
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : positive('seed', values.seed);
const report = await soak({
  faults: positive('faults', values.faults),
  seed,
  kinds,
  holdMs: positive('hold-ms', values['hold-ms']),
  shmMiB: positive('shm-mib', values['shm-mib']),
  log: (line) => process.stderr.write(`${line}\n`),
  stopRequested: () => stop,
}).catch((e: unknown) => {
  // A soak that cannot start (nothing set up, no kernel) says why in one line, not a stack.
  if (!(e instanceof KtstrError)) throw e;
  process.stderr.write(`soak: ${e.message}\n`);
  process.exit(2);
});
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(`\nseed ${report.seed}, ${report.faults} fault(s), ${(report.wallMs / 60_000).toFixed(1)} min\n${renderTable(report)}\n`);
process.exit(report.ok ? 0 : 1);
