/**
 * The few BPF helpers (include/uapi/linux/bpf.h, by number) whose types the analysis uses: what
 * they return and which argument is a typed kernel pointer. Any other helper returns an unknown
 * value, which proves nothing either way.
 */

export type HelperReturn =
  /** A pointer into the value of the map passed in r1. */
  | 'mapValueOfR1'
  /** A pointer to the named kernel struct. */
  | { readonly struct: string }
  /** The old value of the kptr field r1 points at, typed as that field. */
  | 'kptrOfR1';

export interface HelperSig {
  readonly name: string;
  readonly returns?: HelperReturn;
  /** Argument register (1..5) -> the kernel struct it must point to. */
  readonly args?: Readonly<Record<number, string>>;
  /** The helper only reads through its pointer arguments, so spilled stack slots survive it. */
  readonly readsOnly?: boolean;
}

export const HELPERS: ReadonlyMap<number, HelperSig> = new Map<number, HelperSig>([
  [1, { name: 'bpf_map_lookup_elem', returns: 'mapValueOfR1', readsOnly: true }],
  [2, { name: 'bpf_map_update_elem', readsOnly: true }],
  [3, { name: 'bpf_map_delete_elem', readsOnly: true }],
  [156, { name: 'bpf_task_storage_get', returns: 'mapValueOfR1', args: { 2: 'task_struct' } }],
  [157, { name: 'bpf_task_storage_delete', args: { 2: 'task_struct' }, readsOnly: true }],
  [158, { name: 'bpf_get_current_task_btf', returns: { struct: 'task_struct' }, readsOnly: true }],
  [194, { name: 'bpf_kptr_xchg', returns: 'kptrOfR1' }],
]);

/** The kfunc whose `void *` return is an arena page (its BTF cannot say so). */
export const ARENA_ALLOC_KFUNCS: ReadonlySet<string> = new Set(['bpf_arena_alloc_pages']);
