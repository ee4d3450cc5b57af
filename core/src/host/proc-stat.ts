/**
 * The fields of /proc/<pid>/stat after the command name. The name (field 2) is in parentheses
 * and may itself hold spaces and ')', so the fields are counted from the last ')'. Index 0 is
 * field 3 (the state), index 11 field 14 (utime), index 19 field 22 (the start time).
 */
import { readFileSync } from 'node:fs';

/** Undefined when the process is gone (or `proc` has no entry for it). */
export function procStatFields(pid: number, proc = '/proc'): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${proc}/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).trimEnd().split(' ');
}
