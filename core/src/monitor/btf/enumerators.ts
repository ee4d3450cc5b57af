/**
 * Enumerator constants by name (`SCX_DSQ_LOCAL`, `SCX_OPS_ENABLED`): the values sched_ext
 * state is compared against change between kernels, so the monitor reads them from the
 * kernel's own BTF instead of hard-coding them. Enumerator names are not type names, so they
 * are not in the type index; a lookup scans the ENUM and ENUM64 types (a few thousand in
 * vmlinux) for the string offsets that spell the name.
 */
import type { Btf } from './btf.js';
import type { Absent, BtfEnum, BtfEnum64 } from './kinds.js';

export interface EnumeratorFound {
  readonly found: true;
  readonly name: string;
  /** bigint for ENUM64, number for ENUM (signed or not as the enum declares). */
  readonly value: number | bigint;
  /** The ENUM or ENUM64 type id. */
  readonly type: number;
}

export type EnumeratorLookup = EnumeratorFound | Absent;

/** The first enumerator called `name`, base BTF first. */
export function enumerator(btf: Btf, name: string): EnumeratorLookup {
  if (btf.base !== null) {
    const inBase = enumerator(btf.base, name);
    if (inBase.found) return inBase;
  }
  if (name !== '' && btf.stringOffsets(name).length > 0) {
    for (const id of btf.ids()) {
      const kind = btf.kind(id);
      if (kind !== 'ENUM' && kind !== 'ENUM64') continue;
      const t = btf.type(id) as BtfEnum | BtfEnum64;
      for (const v of t.values) {
        if (v.name === name) return { found: true, name, value: v.value, type: id };
      }
    }
  }
  return { found: false, why: `no enumerator ${name} in any enum of the BTF` };
}
