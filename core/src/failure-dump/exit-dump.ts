/**
 * The kernel's sched_ext exit dump, found in a scheduler's output and cut into its parts.
 *
 * On an error exit (scx_bpf_error, a watchdog stall, a runtime error) the kernel writes a debug
 * dump (scx_dump_state in kernel/sched/ext.c): who triggered the exit and why, the backtrace, what
 * the scheduler's ops.dump printed, every CPU's state with the sched_ext tasks on it (and what
 * ops.dump_cpu / ops.dump_task added), and the event counters. The dump reaches user space through
 * the scheduler's exit info (UEI): it is up to the loader to print it, at most ops.exit_dump_len
 * bytes of it (ktstr passes a large length to schedulers that take one: EXIT_DUMP_LEN). The
 * framings known here:
 *
 * - scx's C loaders and scx_utils (Rust): a line `DEBUG DUMP`, a line of `=`, the dump, a line of `=`;
 * - the fixture scx-ktstr: `scx-ktstr: exit dump-begin` ... `scx-ktstr: exit dump-end`;
 * - the kernel's trace event `sched_ext_dump` (tracefs), one line per event after `sched_ext_dump: `.
 */

export interface ExitDumpCpu {
  cpu: number;
  /** `key=value` pairs of the CPU's first line (nr_run, flags, ops_qseq, ...). */
  fields: Record<string, string>;
  /** Every line of the CPU's block, the first included: its current task, its tasks, ops.dump_cpu's lines. */
  lines: string[];
}

export interface ExitDump {
  /** Where the text was found. */
  source: 'debug-dump' | 'ktstr-fixture' | 'trace-event';
  /** The whole dump as the kernel wrote it. */
  text: string;
  /** The lines before the backtrace: who triggered the exit, of what kind, and the reason and message. */
  header: string[];
  /** `scx_bpf_error (ktstr: error knob fired ...)` style line of the header: the reason, then the message in brackets. */
  reason?: string;
  message?: string;
  /** The exit's call chain, one frame a line (`scx_bpf_error_bstr+0x6b/0xa0`). */
  backtrace: string[];
  /** What the scheduler's ops.dump printed (between the backtrace and the CPU states). */
  opsDump: string[];
  cpus: ExitDumpCpu[];
  /** The event counters at the end of the dump (SCX_EV_*), by name. */
  events: Record<string, number>;
  /** The kernel cut the dump at ops.exit_dump_len (its `~~~~ TRUNCATED ~~~~` marker is there). */
  truncated: boolean;
}

const FIXTURE_BEGIN = /^scx-ktstr: exit dump-begin\s*$/;
const FIXTURE_END = /^scx-ktstr: exit dump-end\s*$/;
const RULE = /^={20,}\s*$/;
const TRACE = /sched_ext_dump: (.*)$/;

/** The last exit dump in a scheduler's output (a restarted scheduler may have printed several), or undefined. */
export function findExitDump(output: string): ExitDump | undefined {
  const lines = output.replace(/\r\n/g, '\n').split('\n');
  let found: { source: ExitDump['source']; body: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (FIXTURE_BEGIN.test(lines[i]!)) {
      const end = lines.findIndex((l, j) => j > i && FIXTURE_END.test(l));
      const body = lines.slice(i + 1, end < 0 ? lines.length : end);
      found = { source: 'ktstr-fixture', body };
      i = end < 0 ? lines.length : end;
    } else if (lines[i]!.trim() === 'DEBUG DUMP' && RULE.test(lines[i + 1] ?? '')) {
      const end = lines.findIndex((l, j) => j > i + 1 && RULE.test(l));
      const body = lines.slice(i + 2, end < 0 ? lines.length : end);
      found = { source: 'debug-dump', body };
      i = end < 0 ? lines.length : end;
    }
  }
  if (!found) {
    const traced = lines.flatMap((l) => {
      const m = TRACE.exec(l);
      return m ? [m[1]!] : [];
    });
    if (traced.length > 0) found = { source: 'trace-event', body: traced };
  }
  if (!found) return undefined;
  // The C loader puts a blank line after the rule and before it; they are framing, not dump.
  const body = trimBlank(found.body);
  return body.length === 0 ? undefined : parseExitDump(body.join('\n'), found.source);
}

function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

const CPU_LINE = /^CPU\s+(\d+)\s*:(.*)$/;
const EVENT_LINE = /^(SCX_EV_\w+|\w+)\s*:\s*(-?\d+)\s*$/;

/** Cuts a dump's text into its parts; lines it does not recognise stay in `text` and their section's lines. */
export function parseExitDump(text: string, source: ExitDump['source']): ExitDump {
  const lines = text.split('\n');
  const dump: ExitDump = { source, text, header: [], backtrace: [], opsDump: [], cpus: [], events: {}, truncated: /~~~~ TRUNCATED ~~~~/.test(text) };
  let section: 'header' | 'backtrace' | 'ops' | 'cpus' | 'events' = 'header';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (/^Backtrace:\s*$/.test(t)) {
      section = 'backtrace';
      continue;
    }
    if (t === 'CPU states' || t === 'Event counters') {
      section = t === 'CPU states' ? 'cpus' : 'events';
      if (/^-+$/.test((lines[i + 1] ?? '').trim())) i++;
      continue;
    }
    if (/~~~~ TRUNCATED ~~~~/.test(t)) continue;
    switch (section) {
      case 'header':
        if (t !== '') dump.header.push(line);
        break;
      case 'backtrace':
        // The backtrace is indented; the first line that is not (or a blank) ends it.
        if (t === '') {
          if (dump.backtrace.length > 0) section = 'ops';
        } else if (/^\s/.test(line)) dump.backtrace.push(t);
        else {
          section = 'ops';
          dump.opsDump.push(line);
        }
        break;
      case 'ops':
        dump.opsDump.push(line);
        break;
      case 'cpus': {
        const m = CPU_LINE.exec(t);
        if (m) {
          dump.cpus.push({ cpu: Number(m[1]), fields: keyValues(m[2]!), lines: [t] });
        } else if (t !== '' && dump.cpus.length > 0) dump.cpus[dump.cpus.length - 1]!.lines.push(line);
        break;
      }
      case 'events': {
        const m = EVENT_LINE.exec(t);
        if (m) dump.events[m[1]!] = Number(m[2]);
        break;
      }
    }
  }
  dump.opsDump = trimBlank(dump.opsDump);
  // "  scx_bpf_error (ktstr: error knob fired after 200 enqueues)": the header's reason line.
  for (const h of dump.header.slice(1)) {
    const m = /^\s*(.+?)\s+\((.*)\)\s*$/.exec(h);
    if (m) {
      dump.reason = m[1]!;
      dump.message = m[2]!;
      break;
    }
  }
  if (dump.reason === undefined) {
    const m = /^Debug dump triggered by (.*)$/.exec(dump.header[0]?.trim() ?? '');
    if (m) dump.reason = m[1]!;
  }
  return dump;
}

function keyValues(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w/]+)=(\S+)/g)) out[m[1]!] = m[2]!;
  return out;
}
