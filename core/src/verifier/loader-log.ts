/**
 * The verifier's log inside a loader's output. libbpf loads without a log first and, when the
 * kernel refuses a program, loads it again at log level 1 and prints the log as a warning
 * between "-- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --", after a line naming the
 * program ("libbpf: prog 'ktstr_init': BPF program load failed: -EACCES"). Level 1 keeps only
 * the path that failed, which is what a reader needs; the fixture's loader prints libbpf's
 * warnings to stderr, as every scx loader does.
 */

export interface ProgLoadLog {
  /** The program libbpf named, when it did. */
  readonly program: string | undefined;
  /** The lines between the markers. */
  readonly log: string;
  /** False when the output ended (or was cut) before the END marker. */
  readonly complete: boolean;
}

const BEGIN = /-- BEGIN PROG LOAD LOG --\s*$/;
const END = /-- END PROG LOAD LOG --/;

/** Every program load log in `output`, in order. */
export function progLoadLogs(output: string): ProgLoadLog[] {
  const lines = output.split('\n');
  const out: ProgLoadLog[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!BEGIN.test(lines[i]!)) continue;
    const program = /prog '([^']+)'/.exec(lines[i]!)?.[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !END.test(lines[j]!)) body.push(lines[j++]!);
    out.push({ program, log: body.join('\n'), complete: j < lines.length });
    i = j;
  }
  return out;
}
