/**
 * Chooses how QEMU executes the guest. KVM is used only when a probe shows QEMU can really
 * create a KVM VM here (a /dev/kvm node can exist and still be unusable: no VMX/SVM exposed to
 * a nested guest, wrong permissions); otherwise TCG. The choice is always reported with why.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export type Accel = 'kvm' | 'tcg';

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

let cached: AccelChoice | undefined;

export function chooseAccel(qemuBinary: string, override = process.env.KTSTR_ACCEL): AccelChoice {
  if (override === 'tcg') return { accel: 'tcg', reason: 'KTSTR_ACCEL=tcg' };
  if (cached && override !== 'kvm') return cached;
  const choice = probe(qemuBinary);
  if (override === 'kvm' && choice.accel !== 'kvm') {
    throw new Error(`KTSTR_ACCEL=kvm, but KVM cannot be used here: ${choice.reason}. Unset KTSTR_ACCEL to fall back to TCG.`);
  }
  cached = choice;
  return choice;
}

function probe(qemuBinary: string): AccelChoice {
  if (!existsSync('/dev/kvm')) return { accel: 'tcg', reason: '/dev/kvm does not exist' };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is not readable and writable by this user' };
  }
  const paravirtual = paravirtualOnlyKvm();
  if (paravirtual) return { accel: 'tcg', reason: paravirtual };
  // A machine with one vCPU that QEMU must actually create under KVM; `quit` ends it at once.
  const r = spawnSync(qemuBinary, [
    '-accel', 'kvm', '-machine', 'q35', '-cpu', 'host', '-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio',
  ], { input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n', timeout: 10_000, encoding: 'utf8' });
  if (r.status === 0) return { accel: 'kvm', reason: 'a probe VM started under KVM' };
  const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n')[0];
  return { accel: 'tcg', reason: `QEMU could not start a KVM VM: ${why}` };
}

/**
 * A /dev/kvm without hardware virtualisation behind it: the kvm_pvm module offers KVM's ioctls
 * for paravirtual guests only. QEMU's probe VM starts there, but an unmodified kernel never boots
 * (failed MSR writes, emulation failures, or a silent hang), so such a KVM counts as absent.
 * Hardware KVM needs VMX or SVM, which the CPU flags show; the module's name says which one.
 * Returns why KVM is unusable, or undefined when nothing says so.
 */
export function paravirtualOnlyKvm(sysModule = '/sys/module', cpuinfo = '/proc/cpuinfo'): string | undefined {
  if (existsSync(`${sysModule}/kvm_pvm`)) {
    return '/dev/kvm comes from the kvm_pvm module, which runs paravirtual guests only and cannot boot an unmodified kernel';
  }
  let flags = '';
  try {
    flags = readFileSync(cpuinfo, 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    return undefined;
  }
  if (flags && !/\b(vmx|svm)\b/.test(flags)) {
    return '/dev/kvm exists but the CPU offers no hardware virtualisation (no vmx or svm flag in /proc/cpuinfo), so it cannot boot an unmodified kernel';
  }
  return undefined;
}
