/**
 * The host end of the virtio-serial channel: QEMU listens on a Unix socket for the port
 * `ktstr.0`; we connect, decode frames, and queue the guest's messages for whoever awaits them.
 */
import type { Socket } from 'node:net';
import { connectWhenReady } from '../vm/unix-socket.js';
import { encodeFrame, FrameDecoder, FrameKind } from './framing.js';
import { type GuestMessage, parseGuestMessage } from './messages.js';

type MessageOf<T extends GuestMessage['type']> = Extract<GuestMessage, { type: T }>;

export class ChannelClosedError extends Error {}

export class GuestChannel {
  /** Every message received, in order: the cell's raw record. */
  readonly received: GuestMessage[] = [];
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];
  private listeners: Array<(m: GuestMessage) => void> = [];
  private closedReason: string | undefined;
  private protocolError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.close('the channel socket closed'));
    socket.on('error', (e) => this.close(`the channel socket failed: ${e.message}`));
  }

  /** QEMU creates the socket shortly after it starts; retry until it is there or `deadline`. */
  static async connect(path: string, timeoutMs: number, isAlive: () => boolean): Promise<GuestChannel> {
    try {
      return new GuestChannel(await connectWhenReady(path, timeoutMs, isAlive));
    } catch (e) {
      throw new Error(`the guest channel: ${(e as Error).message}`);
    }
  }

  /** A channel of a VM kept ready for later use must not keep the process alive meanwhile. */
  unref(): void {
    this.socket.unref();
  }

  ref(): void {
    this.socket.ref();
  }

  send(kind: keyof typeof FrameKind, payload?: string | Buffer): void {
    this.socket.write(encodeFrame(FrameKind[kind], payload));
  }

  /** Resolves with the next message of `type` not yet taken; rejects on timeout or close. */
  async waitFor<T extends GuestMessage['type']>(type: T, timeoutMs: number, alsoStopOn: GuestMessage['type'][] = []): Promise<MessageOf<T> | GuestMessage> {
    const deadline = Date.now() + timeoutMs;
    let from = 0;
    for (;;) {
      for (; from < this.received.length; from++) {
        const m = this.received[from]!;
        if (m.type === type || alsoStopOn.includes(m.type)) return m;
      }
      if (this.protocolError) throw this.protocolError;
      if (this.closedReason !== undefined) throw new ChannelClosedError(`${this.closedReason} before the guest sent "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for the guest's "${type}" message`);
      await new Promise<void>((resolve) => {
        // setTimeout holds at most 2^31-1 ms; longer waits just loop.
        const timer = setTimeout(resolve, Math.min(left, 2_147_483_647));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Calls `fn` for every message from now on (for streaming, e.g. command output). */
  onMessage(fn: (m: GuestMessage) => void): void {
    this.listeners.push(fn);
  }

  close(reason = 'closed by the host'): void {
    if (this.closedReason === undefined) this.closedReason = reason;
    this.socket.destroy();
    this.wake();
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  private onData(chunk: Buffer): void {
    try {
      for (const frame of this.decoder.push(chunk)) {
        if (frame.kind !== FrameKind.json) continue;
        const message = parseGuestMessage(frame.payload);
        this.received.push(message);
        for (const fn of this.listeners) fn(message);
      }
    } catch (e) {
      this.protocolError = e as Error;
      this.socket.destroy();
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
