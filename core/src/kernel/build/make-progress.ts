/**
 * Turns kbuild's output into a line per stage and a count of compiled files, so a build that
 * takes half an hour says where it is. kbuild prints one short line per step
 * ("  CC      kernel/sched/core.o"); the stage follows from which steps appear. Pure: fed lines,
 * reports through a callback, unit-tested on recorded output.
 */

export type BuildStage = 'prepare' | 'compile' | 'link' | 'btf' | 'image';

const STAGE_TEXT: Record<BuildStage, string> = {
  prepare: 'preparing (host tools, generated headers)',
  compile: 'compiling',
  link: 'linking vmlinux',
  btf: 'generating BTF (pahole)',
  image: 'making the boot image',
};

/** Which stage a kbuild line belongs to; undefined for lines that do not move the stage. */
export function stageOf(line: string): BuildStage | undefined {
  const m = /^\s{2}([A-Z0-9_]+)(?: \[M\])?\s+(\S+)/.exec(line);
  if (!m) return undefined;
  const [, step, target] = m as unknown as [string, string, string];
  if (step === 'BTF' || step === 'BTFIDS' || (step === 'PAHOLE')) return 'btf';
  if (target.startsWith('arch/') && /\/boot\//.test(target)) return 'image';
  if (step === 'LD' && (target === 'vmlinux' || target === 'vmlinux.o' || target.startsWith('.tmp_vmlinux'))) return 'link';
  if (step === 'KSYMS' || step === 'SORTTAB' || step === 'SYSMAP' || step === 'MODPOST' || step === 'NM') return 'link';
  if (step === 'CC' || step === 'AS' || step === 'AR' || step === 'CPP' || step === 'LDS') return 'compile';
  if (step === 'HOSTCC' || step === 'HOSTLD' || step === 'SYNC' || step === 'WRAP' || step === 'UPD' || step === 'GEN' || step === 'SYSHDR' || step === 'SYSTBL' || step === 'HYPERCALLS' || step === 'MKELF' || step === 'POLICY') return 'prepare';
  return undefined;
}

export interface ProgressUpdate {
  stage: BuildStage;
  /** C files compiled so far (kbuild "CC" lines). */
  compiled: number;
  line: string;
}

/**
 * Follows make's output. Stages only move forward (a late generated header does not send the
 * report back to "preparing"). `expectedCompiled`, the CC count of the last build of this tree,
 * turns the count into "n/total".
 */
export class MakeProgress {
  stage: BuildStage | undefined;
  compiled = 0;
  private lastReported = 0;
  private static readonly ORDER: BuildStage[] = ['prepare', 'compile', 'link', 'btf', 'image'];

  constructor(private readonly report: (update: ProgressUpdate) => void, private readonly expectedCompiled?: number, private readonly every = 100) {}

  feed(line: string): void {
    if (/^\s{2}CC(?: \[M\])?\s/.test(line)) this.compiled++;
    const s = stageOf(line);
    if (s && (this.stage === undefined || MakeProgress.ORDER.indexOf(s) > MakeProgress.ORDER.indexOf(this.stage))) {
      this.stage = s;
      this.report({ stage: s, compiled: this.compiled, line: `stage: ${STAGE_TEXT[s]}` });
    }
    if (this.stage === 'compile' && this.compiled - this.lastReported >= this.every) {
      this.lastReported = this.compiled;
      const total = this.expectedCompiled && this.expectedCompiled >= this.compiled ? `/${this.expectedCompiled}` : '';
      this.report({ stage: 'compile', compiled: this.compiled, line: `compiled ${this.compiled}${total} files` });
    }
  }
}
