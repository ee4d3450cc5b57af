/**
 * `ktstr verifier`'s text: per scheduler and kernel, each struct_ops program's verified
 * instructions, or the verifier's log of a refused load with its loop bodies folded
 * (collapse-log.ts); `raw` prints the log as the kernel wrote it.
 */
import { collapseVerifierLog } from './collapse-log.js';
import type { VerifierResult } from './verifier-run.js';

export function formatVerifierResult(r: VerifierResult, options: { raw?: boolean } = {}): string {
  const out: string[] = [`${[r.scheduler, ...r.args].join(' ')} on ${r.kernel} (${r.topology}): ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`];
  if (r.outcome === 'loaded') {
    const width = Math.max(7, ...r.programs.map((p) => p.name.length));
    out.push(`  ${'program'.padEnd(width)}  ${'member'.padEnd(12)}  verified_insns  insns`);
    for (const p of [...r.programs].sort((a, b) => b.verifiedInsns - a.verifiedInsns)) {
      out.push(`  ${p.name.padEnd(width)}  ${(p.member ?? '-').padEnd(12)}  ${String(p.verifiedInsns).padStart(14)}  ${String(p.insns).padStart(5)}`);
    }
    out.push(`  total verified_insns ${r.programs.reduce((s, p) => s + p.verifiedInsns, 0)} in ${r.programs.length} program(s)`);
    if (r.notLoaded.length > 0) out.push(`  declared in the BPF object but not loaded: ${r.notLoaded.join(', ')}`);
    return out.join('\n');
  }
  if (r.logs.length === 0) {
    out.push('  no verifier log in the loader\'s output; its output:');
    out.push(...(r.output ?? '').trimEnd().split('\n').map((l) => `  | ${l}`));
    return out.join('\n');
  }
  for (const l of r.logs) {
    out.push(`  verifier log of ${l.program ?? 'a program'}${l.complete ? '' : ' (cut short)'}${options.raw ? '' : ' (repeated loop bodies folded; --raw for the whole log)'}:`);
    const text = options.raw ? l.log : collapseVerifierLog(l.log);
    out.push(...text.trimEnd().split('\n').map((line) => `  | ${line}`));
  }
  return out.join('\n');
}
