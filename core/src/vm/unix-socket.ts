/**
 * Connecting to a Unix socket that QEMU creates shortly after it starts (the channel port, the
 * QMP monitor): retry until it accepts, the deadline passes, or the caller says QEMU is gone.
 */
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function connectWhenReady(path: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline && isAlive()) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = createConnection(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      lastError = (e as Error).message;
      await sleep(10);
    }
  }
  throw new Error(`could not connect to ${path}: ${lastError || 'QEMU exited first'}`);
}
