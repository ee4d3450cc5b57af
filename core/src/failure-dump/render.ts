/**
 * A failure dump as text, in the order a scheduler developer reads it: the BUG SUMMARY, the
 * kernel's exit dump (or the verifier's log), the monitor's last readings, the BPF maps, the
 * timeline up to the failure, and the console's tail. `ktstr test` prints it for each failed
 * cell and the editor shows it in the test's output; the JSON file keeps everything, so the text
 * may cut long sections (`limits`), and says where it did.
 */
import type { FailureDump, MonitorSampleDump } from './failure-dump.js';
import type { JsonValue } from './json-value.js';
import type { MapDump } from './bpf-maps.js';

export interface RenderLimits {
  exitDumpLines: number;
  linesPerMap: number;
  timelineEvents: number;
  consoleLines: number;
  verifierLines: number;
}

export const TERMINAL_LIMITS: RenderLimits = { exitDumpLines: 150, linesPerMap: 40, timelineEvents: 30, consoleLines: 25, verifierLines: 80 };
/** Everything the dump holds. */
export const NO_LIMITS: RenderLimits = { exitDumpLines: Infinity, linesPerMap: Infinity, timelineEvents: Infinity, consoleLines: Infinity, verifierLines: Infinity };

export function bugSummaryLine(d: Pick<FailureDump, 'bugSummary' | 'location'>): string {
  // A message that starts with its own file:line (scx_bpf_error's) needs no second one.
  return `BUG SUMMARY: ${d.bugSummary}${d.location && !d.bugSummary.includes(d.location) ? ` (at ${d.location})` : ''}`;
}

const head = (title: string) => `--- ${title} ---`;

function cut(lines: string[], max: number, what: string, from: 'start' | 'end' = 'start'): string[] {
  if (lines.length <= max) return lines;
  const kept = from === 'start' ? lines.slice(0, max) : lines.slice(-max);
  const note = `… ${lines.length - max} more ${what} in the JSON file`;
  return from === 'start' ? [...kept, note] : [note, ...kept];
}

export function renderFailureDump(d: FailureDump, limits: RenderLimits = TERMINAL_LIMITS): string {
  const out: string[] = [bugSummaryLine(d)];

  if (d.verifierLogs?.length) {
    for (const v of d.verifierLogs) {
      out.push(head(`verifier log${v.program ? ` of ${v.program}` : ''} (repeated loop bodies folded${v.complete ? '' : '; cut short'})`));
      out.push(...cut(v.log.split('\n'), limits.verifierLines, 'lines'));
    }
  }
  if (d.exitDump) {
    const x = d.exitDump;
    const lines = x.text.split('\n');
    out.push(head(`kernel sched_ext exit dump (${lines.length} lines${x.truncated ? ', cut by the kernel at the exit-dump length' : ''})`));
    out.push(...cut(lines, limits.exitDumpLines, 'lines'));
  } else if (d.kind !== 'verifier-rejection') {
    // One line when there is nothing: what follows is what there is.
    out.push(head(`kernel sched_ext exit dump: none (${d.exitDumpMissing ?? 'not found'})`));
  }
  if (d.schedulerExit) {
    out.push(...(d.schedulerExit.kernelLog.length ? [head('kernel sched_ext lines'), ...d.schedulerExit.kernelLog] : [head('kernel sched_ext lines: none')]));
  }
  // With the exit it explains: a loader's refusal or last words often say more than the kernel.
  if (d.schedulerOutputTail.length) out.push(head('scheduler output (the lines stating a problem, then the last lines)'), ...d.schedulerOutputTail.map((l) => `  ${l}`));

  out.push(head(`monitor: last ${d.monitor.samples.length} reading(s)${d.monitor.omitted ? ` of ${d.monitor.samples.length + d.monitor.omitted}` : ''}`));
  if (d.monitor.samples.length === 0) out.push(`(none: ${d.monitor.reason ?? 'the monitor read nothing'})`);
  for (const s of d.monitor.samples) out.push(...renderSample(s));

  if ('unavailable' in d.bpfMaps) {
    out.push(head('BPF maps'), `(not read: ${d.bpfMaps.unavailable})`);
  } else {
    out.push(head(`BPF maps: ${d.bpfMaps.maps.length}, ${d.bpfMaps.readAt}${d.bpfMaps.readMs !== undefined ? ` (${d.bpfMaps.readMs} ms)` : ''}`));
    for (const m of d.bpfMaps.maps) out.push(...cut(renderMap(m), limits.linesPerMap + 1, `lines of ${m.name}`));
    for (const u of d.bpfMaps.unreadable) out.push(`  (a map could not be read: ${u})`);
  }

  out.push(head(`timeline up to the failure (${d.timeline.length + d.timelineOmitted} event(s))`));
  if (d.timeline.length === 0) out.push('(no scenario events)');
  const events = d.timeline.map((e) => `  ${String(e.tMs).padStart(7)} ms  ${e.kind.padEnd(10)} step ${e.step} '${e.stepName}'${e.op ? ` ${e.op}` : ''}${e.cgroup ? ` ${e.cgroup}` : ''}${e.arg ? ` ${e.arg}` : ''}${e.ok === false ? ` FAILED${e.error ? `: ${e.error}` : ''}` : ''}`);
  out.push(...cut(events, limits.timelineEvents, 'events', 'end'));

  out.push(head(`console (last ${Math.min(d.consoleTail.length, limits.consoleLines)} lines)`));
  out.push(...(d.consoleTail.length ? cut(d.consoleTail, limits.consoleLines, 'lines', 'end') : ['(empty)']));

  if (d.autoRepro) {
    out.push(head(`auto-repro${d.autoRepro.durationMs !== undefined ? ` (${(d.autoRepro.durationMs / 1000).toFixed(1)} s, apart from the cell's time)` : ''}`), ...d.autoRepro.lines);
  }
  return `${out.join('\n')}\n`;
}

function renderSample(s: MonitorSampleDump): string[] {
  const out = [`  ${s.kind} ${s.index}${s.label ? ` (${s.label})` : ''} at ${s.elapsedMs.toFixed(1)} ms:`];
  const d = s.data;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) return [...out, '    (no data)'];
  if (typeof d.error === 'string') return [...out, `    (failed: ${d.error})`];
  const scx = d.scx as Record<string, JsonValue> | null | undefined;
  if (scx && typeof scx === 'object') out.push(`    sched_ext ${scalar(scx.state)}, scheduler ${scalar(scx.opsName)}`);
  for (const c of Array.isArray(d.cpus) ? d.cpus : []) {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) continue;
    const curr = c.curr as Record<string, JsonValue> | null;
    const scxRq = c.scx as Record<string, JsonValue> | null;
    out.push(`    cpu ${scalar(c.cpu)}: nr_running ${scalar(c.nrRunning)}, scx nr_running ${scalar(scxRq?.nrRunning)}, local DSQ ${scalar(c.localDsqDepth)}`
      + `${curr && typeof curr === 'object' ? `, curr ${scalar(curr.pid)} ${scalar(curr.comm)}` : ''}${c.idle === true ? ', idle' : ''}`);
  }
  const ev = d.events;
  if (ev && typeof ev === 'object' && !Array.isArray(ev)) {
    const nonZero = Object.entries(ev).filter(([, v]) => v !== 0 && v !== '0');
    out.push(`    events: ${nonZero.length ? nonZero.map(([k, v]) => `${k.replace(/^SCX_EV_/, '')} ${scalar(v)}`).join(', ') : 'all 0'}`);
  }
  return out;
}

function renderMap(m: MapDump): string[] {
  const title = `  ${m.name} (${m.type}, id ${m.id}, key ${m.keySize} B, value ${m.valueSize} B, max ${m.maxEntries})`;
  if (m.unavailable) return [`${title}: ${m.unavailable}`];
  const out = [`${title}:`];
  if (m.globals) for (const [k, v] of Object.entries(m.globals)) out.push(...flatten(v, k).map((l) => `    ${l}`));
  if (m.elements) {
    if (m.elements.length === 0 && !m.omitted) out.push('    (no elements)');
    for (const e of m.elements) out.push(...flatten(e.value, `[${e.index}]`).map((l) => `    ${l}`));
  }
  if (m.entries) {
    if (m.entries.length === 0) out.push('    (empty)');
    for (const e of m.entries) out.push(...flatten(e.value, `[${inline(e.key)}]`).map((l) => `    ${l}`));
  }
  if (m.omitted) out.push(`    (${m.omitted})`);
  return out;
}

const MAX_INLINE = 200;

function scalar(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '-';
  // A u64 too large for a JSON number is kept as its decimal string: shown as the number it is.
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v;
  if (typeof v === 'string') return v.length > MAX_INLINE ? `${JSON.stringify(v.slice(0, MAX_INLINE))}…` : JSON.stringify(v);
  if (typeof v === 'object') return inline(v);
  return String(v);
}

function inline(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  if (Array.isArray(v)) return `[${v.slice(0, 16).map(inline).join(', ')}${v.length > 16 ? `, … ${v.length - 16} more` : ''}]`;
  if (typeof v.unavailable === 'string' && Object.keys(v).length === 1) return `(unreadable: ${v.unavailable})`;
  return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${inline(x)}`).join(', ')} }`;
}

/** Fields of a chased kernel object worth a line each in the terminal; the JSON file has all of them. */
const CHASED_FIELDS = ['pid', 'tgid', 'comm', 'cpu', 'wake_cpu', 'prio', 'on_rq', 'on_cpu', '__state', 'flags', 'id', 'name', 'level'];
const CHASED_MAX = 8;

/**
 * A u64 the cast analysis proved to be a pointer, chased by the monitor's map rendering
 * (`{ raw, cast, type, target }`): one line for the pointer and a few of the object's fields,
 * since a task_struct drawn whole would bury the map it sits in.
 */
function chased(v: { [key: string]: JsonValue }, path: string): string[] | undefined {
  if (typeof v.cast !== 'string' || !('target' in v) || !('raw' in v)) return undefined;
  const head = `${path} = ${scalar(v.raw)} ${v.cast} ${typeof v.type === 'string' ? `struct ${v.type} *` : ''}`.trimEnd();
  const t = v.target;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return [head, ...(t === null ? [] : [`${path}.target = ${inline(t)}`])];
  const leaves = Object.entries(t).filter(([, x]) => x === null || typeof x !== 'object');
  const known = leaves.filter(([k]) => CHASED_FIELDS.includes(k)).sort(([a], [b]) => CHASED_FIELDS.indexOf(a) - CHASED_FIELDS.indexOf(b));
  const chosen = [...known, ...leaves.filter(([k]) => !CHASED_FIELDS.includes(k))].slice(0, CHASED_MAX);
  const rest = Object.keys(t).length - chosen.length;
  return [head, ...chosen.map(([k, x]) => `${path}->${k} = ${scalar(x)}`), ...(rest > 0 ? [`${path}-> … ${rest} more fields in the JSON file`] : [])];
}

/** `path = value` lines: records opened field by field, short arrays and leaves inline. */
function flatten(v: JsonValue, path: string): string[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const c = chased(v, path);
    if (c) return c;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(typeof v.unavailable === 'string' && Object.keys(v).length === 1)) {
    const entries = Object.entries(v);
    if (entries.length === 0) return [`${path} = {}`];
    return entries.flatMap(([k, x]) => flatten(x, `${path}.${k}`));
  }
  if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
    // Per-CPU values and arrays of structs: one element a line.
    return v.slice(0, 64).flatMap((x, i) => flatten(x, `${path}[${i}]`)).concat(v.length > 64 ? [`${path}: … ${v.length - 64} more`] : []);
  }
  return [`${path} = ${inline(v)}`];
}
