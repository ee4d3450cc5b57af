/**
 * `ktstr doctor` (a read-only report of what the machine has and what setup would do) and
 * `ktstr setup` (installs what is missing, item by item, saying "up to date" for the rest).
 * The repository's bootstrap runs the same setup after its TypeScript build.
 */
import type { AptScope } from './apt.js';
import type { ItemStatus, Log, SetupItem } from './item.js';
import { isRoot, setupItems } from './items.js';

export interface DoctorItem extends ItemStatus {
  id: string;
  title: string;
  why: string;
  informational: boolean;
  /** Installed by setup, but not needed for the machine to be ready. */
  optional: boolean;
}

export interface DoctorReport {
  /** Every item that is neither informational nor optional is ok: `ktstr test` can run cells here. */
  ready: boolean;
  root: boolean;
  items: DoctorItem[];
  /** The ids of the items that are not ok and keep the machine from being ready. */
  missing: string[];
}

function checkItem(item: SetupItem): ItemStatus {
  try {
    return item.check();
  } catch (e) {
    return { ok: false, detail: `the check failed: ${(e as Error).message}` };
  }
}

export function doctor(opts: { aptScope?: AptScope; items?: SetupItem[] } = {}): DoctorReport {
  const items = (opts.items ?? setupItems(opts)).map((item): DoctorItem => ({
    id: item.id, title: item.title, why: item.why, informational: item.informational === true, optional: item.optional === true,
    ...checkItem(item),
  }));
  const missing = items.filter((i) => !i.ok && !i.informational && !i.optional).map((i) => i.id);
  return { ready: missing.length === 0, root: isRoot(), items, missing };
}

export interface SetupOutcome {
  id: string;
  result: 'up to date' | 'installed' | 'failed' | 'skipped';
  detail: string;
}

/**
 * Installs what is missing, in order, stopping at the first item that cannot be set up (later
 * items build on earlier ones). `log` gets one line per item and the builds' summaries; the
 * builds' own output streams to stderr. Never throws: the outcome says what happened.
 */
export async function runSetup(opts: { log: Log; aptScope?: AptScope; items?: SetupItem[]; sudoUser?: string | undefined }): Promise<{ ok: boolean; outcomes: SetupOutcome[] }> {
  const { log } = opts;
  const items = opts.items ?? setupItems(opts);
  const outcomes: SetupOutcome[] = [];
  // Under sudo, root's part only: the cache belongs to the user who asked, not to root.
  const sudoUser = 'sudoUser' in opts ? opts.sudoUser : process.env.SUDO_USER;
  const systemOnly = isRoot() && sudoUser !== undefined && sudoUser !== '' && sudoUser !== 'root';
  let failed = false;
  for (const [i, item] of items.entries()) {
    const n = `[${i + 1}/${items.length}] ${item.title}`;
    if (failed) {
      outcomes.push({ id: item.id, result: 'skipped', detail: 'an earlier item failed' });
      continue;
    }
    if (systemOnly && !item.system) {
      outcomes.push({ id: item.id, result: 'skipped', detail: `under sudo: built into ${sudoUser}'s cache by their own \`npx ktstr setup\`` });
      continue;
    }
    const status = checkItem(item);
    if (item.informational || (status.ok && !item.refresh)) {
      log(`${n}: ${item.informational ? status.detail : `up to date (${status.detail})`}`);
      outcomes.push({ id: item.id, result: 'up to date', detail: status.detail });
      continue;
    }
    if (!item.install) {
      log(`${n}: ${status.detail}. ${status.remedy ?? 'Setup cannot install this.'}`);
      outcomes.push({ id: item.id, result: 'failed', detail: status.detail });
      failed = true;
      continue;
    }
    if (!status.ok && item.system && !isRoot()) {
      log(`${n}: ${status.detail}. This needs root: run \`sudo npx ktstr setup\` (under sudo it does only what needs root${status.action ? `, here: ${status.action}` : ''}), then \`npx ktstr setup\` again.`);
      outcomes.push({ id: item.id, result: 'failed', detail: `${status.detail} (needs root)` });
      failed = true;
      continue;
    }
    log(status.ok ? `${n}: checking the build` : `${n}: ${status.detail}; ${status.action ?? 'installing'}`);
    const started = Date.now();
    try {
      await item.install(log);
      const after = checkItem(item);
      if (!after.ok) throw new Error(`still not set up after installing: ${after.detail}`);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      log(`${n}: ${status.ok ? 'up to date' : `installed in ${secs} s`} (${after.detail})`);
      outcomes.push({ id: item.id, result: status.ok ? 'up to date' : 'installed', detail: after.detail });
    } catch (e) {
      log(`${n}: failed: ${(e as Error).message}`);
      outcomes.push({ id: item.id, result: 'failed', detail: (e as Error).message });
      failed = true;
    }
  }
  if (systemOnly && !failed) log(`what needs root is set up; now run \`npx ktstr setup\` as ${sudoUser}, without sudo, for the rest (it goes to ${sudoUser}'s cache)`);
  return { ok: !failed, outcomes };
}
