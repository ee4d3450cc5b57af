/**
 * The one line a failed cell is known by: what the kernel said of the scheduler's exit (the
 * error text, or the watchdog's reason), what the verifier refused, the kernel's own crash line,
 * or the assertion's first line. With the `file:line` the kernel gave, when it gave one.
 */
import type { ExitDump } from './exit-dump.js';

/** A source position in kernel or scheduler words: `kernel/sched/ext.c:1234`, `scx_foo.bpf.c:88`. */
const LOCATION = /(?:^|[\s(])((?:[\w.-]+\/)*[\w.-]+\.(?:c|h|rs)):(\d+)\b/;

export function findLocation(texts: readonly string[]): string | undefined {
  for (const t of texts) {
    const m = LOCATION.exec(t);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return undefined;
}

/** The kernel's words for a crash in a console log: panic, BUG, Oops, WARNING, a soft/hard lockup. */
const CRASH = /(Kernel panic - not syncing:.*|kernel BUG at .*|BUG: .*|Oops: .*|WARNING: .*|watchdog: BUG: soft lockup.*|INFO: task .* blocked for more than .*|RCU stall.*|rcu: INFO: .*detected stalls.*)$/;

export function crashLine(console: string): string | undefined {
  for (const line of console.split('\n')) {
    const m = CRASH.exec(line.replace(/^\[\s*\d+\.\d+\]\s*/, '').trimEnd());
    if (m) return m[1];
  }
  return undefined;
}

/** For a scheduler exit: the dump's reason and message, else the kernel's line the agent picked. */
export function schedulerExitSummary(scheduler: string | null, phase: string, kernelReason: string, dump: ExitDump | undefined): string {
  const who = `scheduler ${scheduler ?? ''}`.trimEnd();
  if (dump?.reason) return `${who} exited during ${phase}: ${dump.reason}${dump.message ? `: ${dump.message}` : ''}`;
  // "sched_ext: ktstr: <msg>" is the kernel's; the prefix says nothing the summary does not.
  return `${who} exited during ${phase}: ${kernelReason.replace(/(^|: )sched_ext: /, '$1')}`;
}

/** The verifier's own complaint: the last line of its log that is not bookkeeping. */
export function verifierComplaint(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const bookkeeping = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|mark_precise|-- END PROG LOAD LOG --)/;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!bookkeeping.test(lines[i]!) && !/^\d+: /.test(lines[i]!) && !/^;/.test(lines[i]!)) return lines[i];
  }
  return lines.at(-1);
}
