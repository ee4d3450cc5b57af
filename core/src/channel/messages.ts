/**
 * Messages the guest agent sends (docs/guest-protocol.md). The agent is C; these types are the
 * host's reading of its JSON, checked at the boundary by `parseGuestMessage`.
 */
import type { GuestCpu, GuestNode } from '../topology/guest-check.js';

interface Base {
  t_ms: number;
}
export interface HelloMessage extends Base {
  type: 'hello';
  agent: string;
  kernel: string;
  uptime_ms?: number;
  cpus: GuestCpu[];
  /** Per NUMA node, what the kernel read from HMAT; absent from agents older than the report. */
  nodes?: GuestNode[];
}
export interface SchedStartedMessage extends Base {
  type: 'sched_started';
  pid: number;
}
/** The answer to an attach request ('A'): the scheduler is enabled, the agent waits for its cell. */
export interface AttachedMessage extends Base {
  type: 'attached';
  scheduler: string | null;
  pid: number;
  attach_ms: number;
}
export interface ReadyMessage extends Base {
  type: 'ready';
  scheduler: string | null;
  attach_ms: number;
}
/** The cumulative state of one live worker at a step's end (docs/scenario-wire-v2.md). */
export interface StepWorkerState {
  cgroup: string;
  index: number;
  iterations: number;
  run_ns: number;
  wait_ns: number;
  timeslices: number;
  migrations: number;
  /** The longest gap within this step only. */
  max_gap_us: number;
  /** CPUs it ran on within this step (absent from agents before per-step CPU lists). */
  cpus?: number[];
}
export interface StepMessage extends Base {
  type: 'step';
  index: number;
  name: string;
  phase: 'start' | 'end';
  /** Present on `end`. */
  workers?: StepWorkerState[];
}
/** One op as the agent applied it, with every live worker's cumulative iterations then. */
export interface EventMessage extends Base {
  type: 'event';
  step: number;
  op: string;
  cgroup: string;
  arg?: string;
  ok: boolean;
  error?: string;
  /** [cgroup, worker index, cumulative iterations]. */
  iterations: [string, number, number][];
}
export interface WorkerMessage extends Base {
  type: 'worker';
  cgroup: string;
  index: number;
  pid: number;
  iterations: number;
  run_ns: number;
  wait_ns: number;
  timeslices: number;
  migrations: number;
  cpus: number[];
  max_gap_us: number;
  wake_latency_us_p99: number | null;
  // Version 2 additions; optional so older recordings still read.
  batch?: number;
  tid?: number;
  clone?: 'fork' | 'thread';
  started_step?: number;
  stopped_step?: number | null;
  minflt?: number;
  majflt?: number;
  nvcsw?: number;
  nivcsw?: number;
  notes?: string[];
}
export interface SchedExitMessage extends Base {
  type: 'sched_exit';
  phase: 'attach' | 'run';
  state: string;
  reason: string;
  dmesg: string[];
  output: string;
  exit_status: number | null;
  /** The kernel's exit dump as its sched_ext_dump trace event carried it (a guest agent that armed the event; absent otherwise). */
  exit_dump?: string;
}
export interface ErrorMessage extends Base {
  type: 'error';
  what: string;
  errno: number;
  message: string;
}
export interface OutputMessage extends Base {
  type: 'output';
  stream: 'stdout' | 'stderr';
  data: string;
}
export interface ExecExitMessage extends Base {
  type: 'exec_exit';
  status: number | null;
}
export interface PongMessage extends Base {
  type: 'pong';
  token: string;
}
/** A file under the cell's `collect` directory, sent after the scheduler stopped, before `done`. */
export interface FileMessage extends Base {
  type: 'file';
  /** Its path in the guest. */
  path: string;
  size: number;
  /** The content, base64 (RFC 4648 with padding). */
  data_b64: string;
}
export interface DoneMessage extends Base {
  type: 'done';
  ok: boolean;
  /**
   * Named moments of the agent's session, in microseconds on the clock of `t_ms` (x 1000): where
   * its time went (bench/gauntlet.ts phases). Absent from older agents.
   */
  phases?: [string, number][];
}

export type GuestMessage =
  | HelloMessage
  | SchedStartedMessage
  | AttachedMessage
  | ReadyMessage
  | StepMessage
  | EventMessage
  | WorkerMessage
  | SchedExitMessage
  | ErrorMessage
  | OutputMessage
  | ExecExitMessage
  | PongMessage
  | FileMessage
  | DoneMessage;

const KNOWN = new Set(['hello', 'sched_started', 'attached', 'ready', 'step', 'event', 'worker', 'sched_exit', 'error', 'output', 'exec_exit', 'pong', 'file', 'done']);

export function parseGuestMessage(payload: Buffer): GuestMessage {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new Error(`guest sent a frame that is not JSON: ${payload.toString('utf8').slice(0, 200)}`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || !KNOWN.has((value as { type?: string }).type ?? '')) {
    throw new Error(`guest sent an unknown message: ${payload.toString('utf8').slice(0, 200)}`);
  }
  return value as GuestMessage;
}
