import { createInterface, type Interface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../core/errors.js';
import type { OperatorClient } from '../../control/server/operator-client.js';
import type { PendingPairingView } from '../../control/server/operator-messages.js';
import { emit, emitError } from '../output.js';

const POLL_MS = 1000;

function describe(p: PendingPairingView): string {
  return [
    `pairing request from ${p.name}${p.replacesAgent ? ' (an agent of this name is registered: approving replaces its certificate)' : ''}`,
    `  address  ${p.address}`,
    `  tags     ${p.tags.length > 0 ? p.tags.join(', ') : '(none)'}`,
    `  key      ${p.keyFingerprint}`,
    `  expires  ${p.expiresAt}`,
    `  CODE     ${p.code}   (must be exactly the code the agent shows)`,
  ].join('\n');
}

/** Asks the operator about one request and carries out the answer; a failed call is reported, not fatal. */
async function decide(client: OperatorClient, prompt: Interface, p: PendingPairingView, signal: AbortSignal): Promise<void> {
  emit(describe(p));
  const answer = (await prompt.question('approve? [y/N] ', { signal })).trim().toLowerCase();
  try {
    // Anything but an explicit yes denies: a stray Enter must not admit a host.
    if (answer === 'y' || answer === 'yes') {
      const agent = await client.approve(p.code);
      emit(`approved ${agent.name}: certificate serial ${agent.certSerial}, valid until ${agent.certNotAfter}`);
    } else {
      await client.deny(p.code);
      emit(`denied ${p.name}`);
    }
  } catch (err) {
    emitError(err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'ERROR', messageOf(err));
  }
}

/**
 * `writ control pairing-mode`: opens pairing for `minutes`, then shows each new request until the
 * window ends or the operator presses Ctrl-C; either way pairing is turned off before returning.
 */
export async function runPairingSession(client: OperatorClient, minutes: number, interactive: boolean): Promise<void> {
  const state = await client.setPairingMode(true, minutes);
  const until = Date.parse(state.until ?? '') || Date.now();
  emit(interactive ? `pairing mode on until ${state.until ?? '?'} (Ctrl-C ends it)` : JSON.stringify({ event: 'pairing.mode', ...state }));
  const stop = new AbortController();
  const onSignal = (): void => {
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const prompt = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  // On a terminal readline takes Ctrl-C itself; it must end the session like the signal would.
  prompt?.on('SIGINT', onSignal);
  const seen = new Set<string>();
  try {
    while (!stop.signal.aborted && Date.now() < until) {
      for (const p of await client.pendingRequests()) {
        if (seen.has(p.id) || stop.signal.aborted) continue;
        seen.add(p.id);
        if (prompt !== undefined) await decide(client, prompt, p, stop.signal);
        else emit(JSON.stringify({ event: 'pairing.request', ...p }));
      }
      await sleep(Math.max(0, Math.min(POLL_MS, until - Date.now())), undefined, { signal: stop.signal });
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    prompt?.close();
    const closed = await client.setPairingMode(false);
    emit(interactive ? 'pairing mode off' : JSON.stringify({ event: 'pairing.mode', ...closed }));
  }
}
