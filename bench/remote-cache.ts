/**
 * bench/remote-cache: what the remote kernel cache costs and saves, with the newest cached kernel
 * (or KTSTR_KERNEL) and an HTTP store on loopback started here:
 *  - pack: the entry into its verified archive (gzip, sha256 per file), and its size;
 *  - push: pack + HEAD + PUT to the store;
 *  - pull: GET + unpack + check every file's hash + install into an empty local cache, under the lock;
 *  - with --debian: the same kernel fetched from Debian's archive into an empty cache (apt-get
 *    download, unpack, vmlinux extraction), the cost the remote saves.
 * Each measurement is taken KTSTR_BENCH_ROUNDS times (default 3); the median is printed, and
 * --json prints every sample. Re-run on a quiet machine:
 *
 *   node --import tsx bench/remote-cache.ts [--debian] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fetchKernel, findCachedKernel } from '../core/src/kernel/kernel-cache.js';
import { packEntry } from '../core/src/kernel/remote-cache/entry-archive.js';
import { HttpStore } from '../core/src/kernel/remote-cache/http-store.js';
import { startLoopbackStore } from '../core/src/kernel/remote-cache/loopback-store.js';
import { installFromRemote, pushEntry } from '../core/src/kernel/remote-cache/remote-cache.js';

const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 3);
const withDebian = process.argv.includes('--debian');
const json = process.argv.includes('--json');
const kernel = findCachedKernel(process.env.KTSTR_KERNEL);
if (!kernel) {
  process.stderr.write('bench/remote-cache: no cached kernel; run `npx ktstr kernel fetch` first\n');
  process.exit(2);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples: Record<string, number[]> = { packMs: [], pushMs: [], pullMs: [], debianMs: [] };
let archiveBytes = 0;
const store = await startLoopbackStore();
const http = [new HttpStore(store.url)];
const home = process.env.KTSTR_CACHE_DIR;
const lines: string[] = [];
const quiet = (l: string) => { lines.push(l); };
try {
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    archiveBytes = packEntry(kernel.dir, kernel.release).archive.length;
    samples.packMs!.push(performance.now() - t);

    store.blobs.clear();
    t = performance.now();
    await pushEntry(kernel.dir, quiet, http);
    samples.pushMs!.push(performance.now() - t);

    const empty = mkdtempSync(join(tmpdir(), 'ktstr-bench-remote-'));
    try {
      process.env.KTSTR_CACHE_DIR = empty;
      t = performance.now();
      const got = await installFromRemote(kernel.release, quiet, http);
      samples.pullMs!.push(performance.now() - t);
      if (!got) throw new Error(`the pull found nothing: ${lines.join(' | ')}`);
      if (withDebian) {
        rmSync(join(empty, 'kernels'), { recursive: true, force: true });
        t = performance.now();
        await fetchKernel(kernel.release, quiet);
        samples.debianMs!.push(performance.now() - t);
      }
    } finally {
      if (home === undefined) delete process.env.KTSTR_CACHE_DIR;
      else process.env.KTSTR_CACHE_DIR = home;
      rmSync(empty, { recursive: true, force: true });
    }
  }
} finally {
  await store.close();
}

const summary = {
  kernel: kernel.release,
  rounds,
  archiveMB: +(archiveBytes / 1e6).toFixed(1),
  ...Object.fromEntries(Object.entries(samples).filter(([, v]) => v.length > 0).map(([k, v]) => [k, Math.round(median(v))])),
};
if (json) process.stdout.write(`${JSON.stringify({ ...summary, samples }, null, 2)}\n`);
else {
  process.stdout.write(`remote kernel cache, ${kernel.release}, median of ${rounds}: archive ${summary.archiveMB} MB; `
    + `pack ${summary.packMs} ms, push ${summary.pushMs} ms, pull+verify+install ${summary.pullMs} ms`
    + `${withDebian ? `; Debian fetch ${summary.debianMs} ms` : ''}\n`);
}
