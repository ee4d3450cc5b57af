/**
 * Decoded BPF values made JSON-safe for the dump file: a u64 stays exact (a number while it is a
 * safe integer, else its decimal string), an unreadable field keeps its reason, and a string
 * longer than a page (a scheduler's dump buffer, a char array of logs) is cut with a note.
 */
import type { BpfValue } from '../monitor/bpf/decode.js';
import { Unavailable } from '../monitor/unavailable.js';

export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const MAX_STRING_CHARS = 4096;

export function jsonValue(v: BpfValue | undefined): JsonValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'string') return v.length > MAX_STRING_CHARS ? `${v.slice(0, MAX_STRING_CHARS)}… (${v.length - MAX_STRING_CHARS} more characters)` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Unavailable) return { unavailable: v.unavailable };
  if (Array.isArray(v)) return (v as readonly BpfValue[]).map(jsonValue);
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, BpfValue>)) out[k] = jsonValue(x);
  return out;
}
