/**
 * A verifier log with its repeated loop bodies folded. The verifier walks a bounded loop once
 * per iteration and logs every instruction each time, so a rejection inside a loop is mostly the
 * same K lines N times over, and the line that matters (the error) is at the end. Folding shows
 * each body once under "N× the following K lines:".
 *
 * Repetition is judged on the instruction, not on the register state the verifier appends
 * after ";" (it changes every iteration: that is how the loop progresses), so
 * `12: (07) r1 += 8  ; R1_w=16` and `12: (07) r1 += 8  ; R1_w=24` are the same line. The body
 * shown is the first repetition's; the header says when states differ between repetitions, and
 * `ktstr verifier --raw` prints the whole log.
 */

export interface CollapseOptions {
  /** Fold a block only when it repeats at least this many times in a row (default 2). */
  readonly minRepeats?: number;
  /** The longest body looked for, in lines (default 200). */
  readonly maxBlock?: number;
}

/**
 * What makes two log lines "the same" in a loop: the instruction with its index, without the
 * register state; "from A to B:" without the state; a state-only line by its index.
 */
export function verifierLineKey(line: string): string {
  const insn = /^(\d+: \([0-9a-f]{2}\)[^;]*?)\s*;/.exec(line);
  if (insn) return insn[1]!;
  const branch = /^(from \d+ to \d+:)/.exec(line);
  if (branch) return branch[1]!;
  const state = /^(\d+:) (?:R\d|fp-)/.exec(line);
  if (state) return state[1]!;
  return line.trimEnd();
}

/** The log (lines joined with '\n') with runs of repeated blocks folded; nested loops are folded inside. */
export function collapseVerifierLog(log: string, options: CollapseOptions = {}): string {
  const lines = log.replace(/\n$/, '').split('\n');
  return collapseLines(lines, options.minRepeats ?? 2, options.maxBlock ?? 200).join('\n') + (log.endsWith('\n') ? '\n' : '');
}

function collapseLines(lines: readonly string[], minRepeats: number, maxBlock: number): string[] {
  // Keys as small integers, so comparing blocks is comparing numbers.
  const ids = new Map<string, number>();
  const keys = lines.map((l) => {
    const k = verifierLineKey(l);
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    return id;
  });
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    // The block length that folds the most lines starting here (the shorter one on a tie).
    let best = { k: 0, n: 1 };
    const longest = Math.min(maxBlock, Math.floor((lines.length - i) / minRepeats));
    for (let k = 1; k <= longest; k++) {
      let n = 1;
      while (i + (n + 1) * k <= lines.length && sameBlock(keys, i, i + n * k, k)) n++;
      if (n >= minRepeats && n * k > best.n * best.k) best = { k, n };
    }
    if (best.k === 0) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    const { k, n } = best;
    const body = lines.slice(i, i + k);
    let differ = false;
    for (let r = 1; r < n && !differ; r++) {
      for (let j = 0; j < k; j++) if (lines[i + r * k + j] !== body[j]) differ = true;
    }
    out.push(`${n}× the following ${k} line${k === 1 ? '' : 's'}${differ ? ' (register states differ between repetitions; --raw shows each)' : ''}:`);
    for (const l of collapseLines(body, minRepeats, maxBlock)) out.push(`  ${l}`);
    i += n * k;
  }
  return out;
}

function sameBlock(keys: readonly number[], a: number, b: number, k: number): boolean {
  for (let j = 0; j < k; j++) if (keys[a + j] !== keys[b + j]) return false;
  return true;
}
