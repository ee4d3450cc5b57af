/**
 * The guest architectures a cell can run on, and what differs between them outside the machine
 * description (qemu-args-*.ts): Debian's name for the architecture (package suffixes, the foreign
 * architecture dpkg must know), the QEMU binary and the Debian package that carries it.
 *
 * A cell's architecture follows its kernel: an arm64 kernel boots in qemu-system-aarch64. On an
 * x86_64 host an aarch64 guest always runs under TCG (KVM cannot run a foreign instruction set).
 */
import { spawnSync } from 'node:child_process';
import type { Arch } from '@ktstr/presets';
import { KtstrError } from '../errors.js';
import { hostArch } from '../host/arch.js';
import { type AccelChoice, chooseAccel } from './accel.js';

export type GuestArch = Arch;

export interface GuestArchFacts {
  /** dpkg's name: the `:arm64` of a package and the suffix of Debian's kernel packages. */
  debianArch: 'amd64' | 'arm64';
  qemuBinary: string;
  /** The Debian package that carries `qemuBinary`. */
  qemuPackage: string;
}

export const GUEST_ARCHES: Readonly<Record<GuestArch, GuestArchFacts>> = Object.freeze({
  x86_64: { debianArch: 'amd64', qemuBinary: 'qemu-system-x86_64', qemuPackage: 'qemu-system-x86' },
  aarch64: { debianArch: 'arm64', qemuBinary: 'qemu-system-aarch64', qemuPackage: 'qemu-system-arm' },
});

export function isGuestArch(value: string): value is GuestArch {
  return value === 'x86_64' || value === 'aarch64';
}

/** Parses an --arch value or an `arch` field; `field` names where it came from in the error. */
export function parseGuestArch(value: string, field = '--arch'): GuestArch {
  if (isGuestArch(value)) return value;
  const hint = value === 'arm64' ? ' (Debian calls it arm64; ktstr uses the kernel\'s name, aarch64)' : value === 'amd64' ? ' (ktstr calls it x86_64)' : '';
  throw new KtstrError(field, value, `is not a supported architecture${hint}`, 'Use x86_64 or aarch64.');
}

/** The architecture of a Debian kernel release such as 7.2.13+deb14-cloud-arm64. */
export function archOfRelease(release: string): GuestArch {
  return /-arm64$/.test(release) ? 'aarch64' : 'x86_64';
}

/**
 * The QEMU binary for `arch`. KTSTR_QEMU overrides the x86_64 one (a QEMU built elsewhere);
 * KTSTR_QEMU_AARCH64 the aarch64 one.
 */
export function qemuBinaryFor(arch: GuestArch = 'x86_64'): string {
  const override = arch === 'x86_64' ? process.env.KTSTR_QEMU : process.env.KTSTR_QEMU_AARCH64;
  return override ?? GUEST_ARCHES[arch].qemuBinary;
}

/**
 * How an `arch` guest executes here: the host's own architecture goes through chooseAccel's
 * probe (KVM when usable); a foreign one is always TCG, and says so.
 */
export function accelFor(arch: GuestArch = 'x86_64'): AccelChoice {
  if (arch !== hostArch()) return { accel: 'tcg', reason: `an ${arch} guest on an ${hostArch()} host is emulated (TCG)` };
  return chooseAccel(qemuBinaryFor(arch));
}

/**
 * Why `arch` guests cannot run here, or undefined when they can: its QEMU must run. (An aarch64
 * guest also needs its agent and kernel; those are built or fetched on first use and fail with
 * their own remedy.)
 */
export function archUnavailableReason(arch: GuestArch): string | undefined {
  const binary = qemuBinaryFor(arch);
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return `${binary} is not runnable here (${r.error?.message ?? r.stderr.trim()}); install Debian's ${GUEST_ARCHES[arch].qemuPackage} (\`npx ktstr setup\`; in a clone of ktstr: npm run bootstrap)`;
  }
  return undefined;
}
