import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { monotonicMs } from '../../../core/clock.js';
import { LimitExceededError, SandboxError, SdkError } from '../../errors.js';
import type { FromWorker, OpMap, OpName, ToWorker } from './protocol.js';
import { spawnWorker } from './spawn-worker.js';

/**
 * Runs asynchronous Node work (HTTP, DNS) for synchronous guest calls: the request goes to one
 * long-lived worker and the calling thread sleeps in Atomics.wait until the answer arrives or the
 * deadline passes. The worker is created on first use, unref'd, and terminated by dispose().
 */
export class SyncCaller {
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #signal: Int32Array | undefined;
  #nextId = 1;
  #disposed = false;
  #broken: SandboxError | undefined;

  /**
   * Sends `request` to the worker and blocks until it answers. Throws LimitExceededError('TIMEOUT')
   * when `deadline` (monotonic ms) passes first, SdkError(code) when the operation failed.
   */
  call<K extends OpName>(op: K, request: OpMap[K]['request'], deadline: number): OpMap[K]['response'] {
    // After dispose or a failed boot, refuse instead of silently starting a second worker.
    if (this.#disposed) throw new SandboxError('SDK_DISPOSED', 'the SDK has been disposed');
    if (this.#broken !== undefined) throw this.#broken;
    if (monotonicMs() >= deadline) throw timeout(op);
    const { port, signal } = this.#ensureWorker();
    const id = this.#nextId++;
    const message: ToWorker = { kind: 'call', id, op, request };
    port.postMessage(message);
    for (;;) {
      // Read the counter before polling: an answer posted after the poll bumps it, so wait returns at once.
      const seen = Atomics.load(signal, 0);
      const reply = this.#drainUntil(port, id);
      if (reply !== undefined) return this.#unwrap(op, reply);
      const remaining = deadline - monotonicMs();
      if (remaining <= 0) {
        const cancel: ToWorker = { kind: 'cancel', id };
        port.postMessage(cancel);
        throw timeout(op);
      }
      Atomics.wait(signal, 0, seen, remaining);
    }
  }

  /** Terminates the worker (if any). Idempotent; later calls throw SDK_DISPOSED. */
  dispose(): void {
    this.#disposed = true;
    this.#port?.close();
    const worker = this.#worker;
    this.#worker = undefined;
    this.#port = undefined;
    if (worker !== undefined) worker.terminate().catch(() => undefined);
  }

  #ensureWorker(): { port: MessagePort; signal: Int32Array } {
    if (this.#port !== undefined && this.#signal !== undefined) return { port: this.#port, signal: this.#signal };
    const signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.#worker = spawnWorker(port2, signal);
    this.#port = port1;
    this.#signal = signal;
    return { port: port1, signal };
  }

  /** Returns the answer for `id`, discarding late answers to earlier (timed-out) calls. */
  #drainUntil(port: MessagePort, id: number): FromWorker | undefined {
    for (;;) {
      const received = receiveMessageOnPort(port);
      if (received === undefined) return undefined;
      const reply = received.message as FromWorker;
      if (reply.id === id) return reply;
      if (reply.id === 0 && !reply.ok) {
        // The worker failed to start: every later call would fail the same way, so remember it.
        this.#broken = new SandboxError(reply.error.code, `sync-call worker failed: ${reply.error.message}`);
        throw this.#broken;
      }
    }
  }

  #unwrap<K extends OpName>(op: K, reply: FromWorker): OpMap[K]['response'] {
    if (reply.ok) return reply.value as OpMap[K]['response'];
    if (reply.error.code === 'TIMEOUT') throw timeout(op);
    throw new SdkError(reply.error.code, reply.error.message);
  }
}

function timeout(op: string): LimitExceededError {
  return new LimitExceededError('TIMEOUT', `${op} did not finish before the run's deadline`);
}
