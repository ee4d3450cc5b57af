/**
 * The remote kernel cache: stores behind the local cache (core/src/kernel/kernel-cache.ts).
 * Looked up after a local miss, pushed to after a kernel is fetched or built. The local cache is
 * authoritative: an entry present locally is never replaced from a remote, and a remote entry
 * becomes local only whole and verified (entry-archive.ts), renamed into place under the same
 * lock a fetch holds. Every remote failure is logged with what happens instead and is never
 * fatal: the remote only ever saves a download.
 *
 * Configured by the environment:
 *   KTSTR_REMOTE_CACHE=URL        a plain HTTP(S) store, GET/PUT of <URL>/<key>.tar.gz
 *   KTSTR_REMOTE_CACHE_TOKEN=T    sent to that store as `Authorization: Bearer T`
 *   KTSTR_GHA_CACHE=1             the GitHub Actions cache: its v2 service (ACTIONS_RESULTS_URL) or,
 *                                 where a runner offers only that, the v1 one (ACTIONS_CACHE_URL);
 *                                 both with ACTIONS_RUNTIME_TOKEN
 *   KTSTR_REMOTE_CACHE_PUSH=0     look up only, never push (for untrusted jobs such as forks' PRs)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { kernelsDir, locksDir } from '../../paths.js';
import { withLock } from '../../locks/index.js';
import { EntryRejected, packEntry, unpackEntry } from './entry-archive.js';
import { GhaCacheStore } from './gha-cache.js';
import { GhaLegacyCacheStore } from './gha-cache-v1.js';
import { HttpStore } from './http-store.js';
import type { RemoteStore } from './remote-store.js';

type Log = (line: string) => void;

const say = (log: Log, line: string): void => log(`remote cache: ${line}`);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const enabled = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v);

/** The store key of a cache entry (its directory name: a release, or a built kernel's key). */
export const remoteKey = (name: string): string => `ktstr-kernel-${name}`;

/** The stores the environment configures, in lookup order; a misconfiguration is logged and skipped. */
export function remoteStoresFromEnv(env: NodeJS.ProcessEnv = process.env, log: Log = () => {}): RemoteStore[] {
  const stores: RemoteStore[] = [];
  if (env.KTSTR_REMOTE_CACHE) {
    try {
      stores.push(new HttpStore(env.KTSTR_REMOTE_CACHE, env.KTSTR_REMOTE_CACHE_TOKEN || undefined));
    } catch (e) {
      say(log, `KTSTR_REMOTE_CACHE is not usable (${message(e)}); give an http:// or https:// URL. Continuing without it.`);
    }
  }
  if (enabled(env.KTSTR_GHA_CACHE)) {
    const results = env.ACTIONS_RESULTS_URL;
    const legacy = env.ACTIONS_CACHE_URL;
    const token = env.ACTIONS_RUNTIME_TOKEN;
    // As @actions/cache decides: v2 where the runner says so (ACTIONS_CACHE_SERVICE_V2, github.com),
    // or where it offers nothing else; v1 where only ACTIONS_CACHE_URL is given (GHES, Forgejo, act).
    const useV2 = Boolean(results) && (enabled(env.ACTIONS_CACHE_SERVICE_V2) || !legacy);
    const [variable, make] = useV2
      ? ['ACTIONS_RESULTS_URL', () => new GhaCacheStore(results!, token!)] as const
      : ['ACTIONS_CACHE_URL', () => new GhaLegacyCacheStore(legacy!, token!)] as const;
    if (token && (useV2 || legacy)) {
      try {
        stores.push(make());
      } catch (e) {
        say(log, `${variable} is not usable (${message(e)}). Continuing without the GitHub Actions cache.`);
      }
    } else {
      say(log, 'KTSTR_GHA_CACHE=1 but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL (or ACTIONS_CACHE_URL) are not in the environment; a `run:` step sees them only '
        + 'when an earlier step exports them (docs/gauntlet.md, "Continuous integration"). Continuing without the GitHub Actions cache.');
    }
  }
  return stores;
}

/**
 * Looks an entry up in each store in turn and writes the first one that verifies into `intoDir`
 * (an empty directory). No lock is taken: the caller installs the directory. Returns the store's
 * description, or undefined with every miss and failure logged (`fallback` says what happens next).
 */
export async function pullEntry(name: string, intoDir: string, log: Log, fallback: string, stores: readonly RemoteStore[] = remoteStoresFromEnv(process.env, log)): Promise<string | undefined> {
  for (const store of stores) {
    const started = Date.now();
    let blob: Buffer | undefined;
    try {
      blob = await store.get(remoteKey(name));
    } catch (e) {
      say(log, `${store.description} failed for ${name}: ${message(e)}; ${fallback}`);
      continue;
    }
    if (!blob) {
      say(log, `${name} is not in ${store.description}; ${fallback}`);
      continue;
    }
    try {
      const manifest = unpackEntry(blob, name, intoDir);
      if (!manifest.files.some((f) => f.name === 'meta.json')) throw new EntryRejected('the entry has no meta.json');
      // The cache finds entries by the release their meta.json names; it must be this entry's.
      let meta: { release?: unknown };
      try {
        meta = JSON.parse(readFileSync(join(intoDir, 'meta.json'), 'utf8')) as { release?: unknown };
      } catch {
        throw new EntryRejected('its meta.json is not JSON');
      }
      if (meta.release !== name) throw new EntryRejected(`its meta.json names release ${JSON.stringify(meta.release)}, not ${JSON.stringify(name)}`);
    } catch (e) {
      for (const n of readdirSync(intoDir)) rmSync(join(intoDir, n), { recursive: true, force: true });
      if (!(e instanceof EntryRejected)) throw e; // a local disk error is not the store's fault
      say(log, `${store.description} served a bad entry for ${name} (${e.message}); ignored it, ${fallback}`);
      continue;
    }
    say(log, `${name} from ${store.description} (${(blob.length / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s, every file's sha256 checked)`);
    return store.description;
  }
  return undefined;
}

/**
 * Installs an entry from the remote into the local cache under the entry's lock, unless the
 * local cache has it already (local wins). Returns the entry's directory, or undefined when no
 * store had a good copy. For callers that know the entry's name before doing the expensive work
 * (a kernel build keyed by source and config).
 */
export async function installFromRemote(name: string, log: Log = () => {}, stores?: readonly RemoteStore[]): Promise<string | undefined> {
  const list = stores ?? remoteStoresFromEnv(process.env, log);
  if (list.length === 0) return undefined;
  const root = kernelsDir();
  mkdirSync(root, { recursive: true });
  mkdirSync(locksDir(), { recursive: true });
  return withLock(join(locksDir(), `kernel-${name}.lock`), { mode: 'exclusive', wait: true, timeoutMs: 15 * 60_000, purpose: `kernel remote pull ${name}` }, async () => {
    const final = join(root, name);
    if (existsSync(join(final, 'meta.json'))) return final;
    return pullAndInstallLocked(name, log, 'building or fetching it instead', list);
  });
}

/**
 * The part of installFromRemote that runs with the entry's lock already held (kernel-cache.ts's
 * fetch holds it): pulls into a staging directory beside the cache and renames it into place.
 */
export async function pullAndInstallLocked(name: string, log: Log, fallback: string, stores: readonly RemoteStore[]): Promise<string | undefined> {
  if (stores.length === 0) return undefined;
  const root = kernelsDir();
  const tmp = mkdtempSync(join(root, '.fetch-'));
  try {
    const staged = join(tmp, 'entry');
    mkdirSync(staged);
    if (!(await pullEntry(name, staged, log, fallback, stores))) return undefined;
    const final = join(root, name);
    rmSync(final, { recursive: true, force: true }); // an incomplete entry without meta.json
    renameSync(staged, final);
    return final;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Pushes a local entry to every configured store. Never throws: a failed push is logged and the
 * run goes on. Call it after the entry is complete in the local cache (after a fetch or a build).
 */
export async function pushEntry(dir: string, log: Log = () => {}, stores?: readonly RemoteStore[]): Promise<void> {
  const pushSetting = process.env.KTSTR_REMOTE_CACHE_PUSH;
  if (pushSetting !== undefined && /^(0|false|no|off)$/i.test(pushSetting.trim())) {
    say(log, `KTSTR_REMOTE_CACHE_PUSH=${pushSetting}: not pushing ${basename(dir)}`);
    return;
  }
  const list = stores ?? remoteStoresFromEnv(process.env, log);
  if (list.length === 0) return;
  const name = basename(dir);
  let archive: Buffer;
  try {
    archive = packEntry(dir, name).archive;
  } catch (e) {
    say(log, `could not pack ${dir} for pushing (${message(e)}); not pushed`);
    return;
  }
  for (const store of list) {
    const started = Date.now();
    try {
      const r = await store.put(remoteKey(name), archive);
      say(log, r === 'exists'
        ? `${name} is already in ${store.description}; not pushed again`
        : `pushed ${name} to ${store.description} (${(archive.length / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      say(log, `pushing ${name} to ${store.description} failed: ${message(e)}; the local cache is unaffected`);
    }
  }
}
