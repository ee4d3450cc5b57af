/**
 * The auto-repro report (core/src/repro/) as a failure dump's section: its status, the rerun's
 * trigger, each probed site with how many calls it recorded, and the last calls before the exit,
 * newest last, each with its arguments and the fields read through them. The report itself is
 * kept whole beside the lines.
 */
import type { AutoReproReport, ReproCall } from '../repro/auto-repro-report.js';
import type { AutoReproSection, FailureDump } from './failure-dump.js';
import type { JsonValue } from './json-value.js';

/** Calls printed; the JSON file has every one. */
const CALLS_SHOWN = 12;

export function autoReproSection(r: AutoReproReport): AutoReproSection {
  const lines = [`  status ${r.status}${r.reason ? `: ${r.reason}` : ''}`];
  if (r.trigger) lines.push(`  trigger ${r.trigger.by}, exit kind ${r.trigger.kind} on CPU ${r.trigger.cpu}${r.rerunReason ? ` (rerun: ${r.rerunReason})` : ''}`);
  for (const s of r.sites) {
    lines.push(`  site ${s.name} (${s.kind}${s.opsMember ? ` ops.${s.opsMember}` : ''}): ${s.attached ? `${s.calls.length} call(s)` : `not attached${s.why ? `: ${s.why}` : ''}`}`);
  }
  const shown = r.calls.slice(-CALLS_SHOWN);
  if (r.calls.length > shown.length) lines.push(`  … ${r.calls.length - shown.length} earlier call(s) in the JSON file`);
  for (const c of shown) lines.push(callLine(c));
  return { lines, durationMs: r.durationMs, report: r as unknown as JsonValue };
}

function callLine(c: ReproCall): string {
  const args = c.args.map((a) => {
    const v = a.decoded !== undefined ? String(a.decoded) : a.value;
    const fields = a.fields ? ` {${Object.entries(a.fields).map(([k, x]) => `${k}: ${x === null ? '?' : String(x)}`).join(', ')}}` : '';
    return `${a.name}=${v}${fields}`;
  });
  return `  -${c.beforeExitMs.toFixed(3)} ms cpu ${c.cpu} ${c.comm}[${c.pid}] ${c.site}(${args.join(', ')})`;
}

/** The dump with auto-repro's report attached (it comes after the dump was made: the rerun is a second run). */
export function withAutoRepro(dump: FailureDump, report: AutoReproReport | undefined): FailureDump {
  return report ? { ...dump, autoRepro: autoReproSection(report) } : dump;
}
