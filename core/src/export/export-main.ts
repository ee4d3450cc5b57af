/**
 * `node --import tsx export-main.js REQUEST OUT`: the child process of `ktstr export`. It
 * imports the test files in discovery mode (so nothing runs), finds the test, and either
 * captures its scenario and checks for a runfile or replays its body against the messages
 * of a run on the target (`--verify`). A child for the same reason as discovery: importing
 * test files has side effects. The answer goes to OUT as JSON: { ok: true, ... } or
 * { ok: false, error }.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { declaredBody, declaredOptions, takeDeclarations } from '../gauntlet/registry.js';
import type { KtstrTestOptions } from '../api/ktstr-test.js';
import { resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { fixtureDir } from '../fixture.js';
import { parseTopologyArg } from '../topology/topology-arg.js';
import { type Topology, topologyLabel } from '../topology/topology.js';
import { KtstrError } from '../errors.js';
import type { GuestMessage } from '../channel/messages.js';
import { captureTest, type ExportTarget, verifyTest } from './capture.js';
import { schedulerWrapperPath } from './build-runfile.js';

export interface ExportRequest {
  mode: 'capture' | 'verify';
  files: string[];
  test: string;
  topology?: string;
  /** verify: the agent's messages, one JSON object per line. */
  messages?: string;
}

const DEFAULT_TOPOLOGY: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

process.env.KTSTR_DISCOVER = '1';
const [requestPath, out] = process.argv.slice(2);
const req = JSON.parse(readFileSync(requestPath!, 'utf8')) as ExportRequest;
try {
  const names: string[] = [];
  for (const f of req.files) {
    await import(pathToFileURL(resolve(f)).href);
    names.push(...takeDeclarations().map((d) => d.name));
  }
  const body = declaredBody(req.test) as ((vm: never) => Promise<void>) | undefined;
  if (!body || !names.includes(req.test)) {
    throw new KtstrError('ktstr export', req.test, `is not a test declared in ${req.files.length} file(s)`,
      `Give one of: ${names.map((n) => JSON.stringify(n)).join(', ') || '(none found; give the test file as a path)'}.`);
  }
  const options = (declaredOptions(req.test) ?? {}) as KtstrTestOptions;
  const topology = req.topology ? parseTopologyArg(req.topology) : (options.topology ?? options.scheduler?.topology ?? DEFAULT_TOPOLOGY);
  const sched = options.scheduler;
  if (sched?.configFile) {
    throw new KtstrError('ktstr export', req.test, 'declares a scheduler with a config file, which runfiles do not carry yet', 'Export a test without configFile, or run it as a cell.');
  }
  const schedulerBinary = sched ? resolveSchedulerBinary(sched, [fixtureDir()]) : undefined;
  const target: ExportTarget = {
    name: `${req.test}/${topologyLabel(topology)}/runfile`,
    topology,
    durationMs: options.durationMs ?? 2000,
    schedTimeoutMs: sched?.attachTimeoutMs ?? 20_000,
    ...(sched && schedulerBinary ? { scheduler: { guestPath: schedulerWrapperPath(basename(schedulerBinary)), args: [...sched.schedArgs, ...(options.extraSchedArgs ?? [])] } } : {}),
  };
  if (req.mode === 'capture') {
    const capture = await captureTest(body, target);
    writeFileSync(out!, JSON.stringify({ ok: true, topology, capture, schedulerName: sched?.name, schedulerBinary }));
  } else {
    const text = readFileSync(req.messages!, 'utf8');
    const messages = text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
      try {
        return JSON.parse(l) as GuestMessage;
      } catch {
        throw new KtstrError('--verify', `${req.messages}:${i + 1}`, 'is not a JSON message line', 'Give the file the runfile wrote with --messages FILE.');
      }
    });
    writeFileSync(out!, JSON.stringify({ ok: true, topology, verdict: await verifyTest(body, target, messages) }));
  }
} catch (e) {
  writeFileSync(out!, JSON.stringify({ ok: false, error: (e as Error).message }));
}
