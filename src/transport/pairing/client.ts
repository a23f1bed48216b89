import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { WritError } from '../../core/errors.js';
import { parseHostPort, type HostPort } from '../../core/host-port.js';
import { exportedKeyingMaterial, pairingCode } from './code.js';
import { certificateFingerprint, checkShownControl, openPairingConnection, parseShownCa, pinnedAgent, presentedCertificate, type PinState } from './control-connection.js';
import { checkIssuedCertificate } from './issued-certificate.js';
import { errorOf, exchangeJson, type JsonAnswer } from './json-exchange.js';
import { PAIRING_REQUESTS_PATH, PairingRequestAcceptedSchema, PairingStatusSchema, type PairingRequestAccepted, type PairingRequestBody } from './messages.js';

export interface RequestPairingOptions {
  /** The control host, host:port. */
  readonly control: string;
  readonly body: PairingRequestBody;
  /** The key of `body.csr`; the code and the issued certificate are checked against it. */
  readonly agentPublicKey: KeyObject;
  /** Called once the control host has the request: show this code (and the CA's fingerprint) to the operator. */
  readonly onCode: (code: string, caFingerprint: string) => void;
  readonly pollMs?: number;
  /** Overall time to wait for the operator, from the first connection. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface PairingResult {
  readonly certificatePem: string;
  /** The control host's CA: pin it (it is trusted only now, after approval). */
  readonly caPem: string;
}

const DEFAULT_POLL_MS = 1000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Network failures worth another poll (the control host restarting); anything else ends pairing. */
const TRANSIENT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Server codes passed on as ours; any other refusal is PAIRING_REFUSED (the server is not trusted yet). */
const PASSED_ON_CODES = new Set(['PAIRING_CLOSED', 'CSR_INVALID', 'PAIRING_NAME_MISMATCH', 'PAIRING_BUSY', 'REQUEST_INVALID']);

function refused(answer: JsonAnswer): WritError {
  const error = errorOf(answer.body);
  const code = error !== undefined && PASSED_ON_CODES.has(error.code) ? error.code : 'PAIRING_REFUSED';
  // The text comes from a host not yet trusted: shortened and stripped of control characters.
  const message = (error?.message ?? '').slice(0, 200).replace(/[\p{Cc}\p{Cf}]/gu, '?');
  return new WritError(code, `the control host refused (HTTP ${answer.status}${error === undefined ? '' : ` ${error.code}`}): ${message}`);
}

/**
 * Agent side of pairing: sends the request on one fresh TLS 1.3 connection, computes the code from
 * that connection, reports it through `onCode`, then waits for the operator's decision. Resolves with
 * the checked certificate and the CA to pin; rejects with PAIRING_DENIED (denied or expired),
 * PAIRING_TIMEOUT, PAIRING_CLOSED, PAIRING_CONTROL_UNTRUSTED, PAIRING_CONTROL_CHANGED,
 * PAIRING_CERTIFICATE_INVALID, PAIRING_UNREACHABLE or PAIRING_REFUSED.
 */
export async function requestPairing(options: RequestPairingOptions): Promise<PairingResult> {
  const deadline = Date.now() + options.timeoutMs;
  const target = parseHostPort(options.control, 'the control host');
  const socket = await openPairingConnection(target, Math.min(REQUEST_TIMEOUT_MS, options.timeoutMs), options.signal);
  let code: string;
  let accepted: PairingRequestAccepted;
  let presented: X509Certificate;
  try {
    presented = presentedCertificate(socket);
    code = pairingCode(exportedKeyingMaterial(socket), presented.publicKey, options.agentPublicKey);
    // The request travels on the connection the code was computed from: that binds the code to it.
    const answer = await exchangeJson({ ...target, socket, method: 'POST', path: PAIRING_REQUESTS_PATH, body: options.body, timeoutMs: REQUEST_TIMEOUT_MS, ...signalOf(options) });
    if (answer.status !== 202) throw refused(answer);
    const parsed = PairingRequestAcceptedSchema.safeParse(answer.body);
    if (!parsed.success) throw new WritError('PAIRING_REFUSED', 'the control host accepted the request but its answer is malformed');
    accepted = parsed.data;
  } catch (err) {
    throw networkError(err, target);
  } finally {
    socket.destroy();
  }
  const ca = parseShownCa(accepted.caCertificate);
  // Shown before the checks below, so a relay's code reaches the screen and the mismatch is visible.
  options.onCode(code, certificateFingerprint(ca));
  checkShownControl(ca, presented);
  const pin: PinState = {};
  const agent = pinnedAgent(ca.toString(), presented.publicKey, pin);
  try {
    const certificatePem = await waitForApproval({ target, id: accepted.id, agent, pin, deadline, pollMs: options.pollMs ?? DEFAULT_POLL_MS, ...signalOf(options) });
    return { certificatePem: checkIssuedCertificate(certificatePem, ca, options.agentPublicKey, options.body.name), caPem: ca.toString() };
  } finally {
    agent.destroy();
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

interface Wait {
  readonly target: HostPort;
  readonly id: string;
  readonly agent: Agent;
  readonly pin: PinState;
  readonly deadline: number;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
}

/** Polls the request's status until approved (the certificate PEM), 404 (denied or expired) or the deadline. */
async function waitForApproval(wait: Wait): Promise<string> {
  for (;;) {
    const remaining = wait.deadline - Date.now();
    if (remaining <= 0) throw new WritError('PAIRING_TIMEOUT', 'the operator did not approve the request in time');
    await sleep(Math.min(wait.pollMs, remaining), undefined, wait.signal === undefined ? {} : { signal: wait.signal }).catch((err: unknown) => {
      throw cancelled(err);
    });
    let answer: JsonAnswer;
    try {
      const path = `${PAIRING_REQUESTS_PATH}/${encodeURIComponent(wait.id)}`;
      answer = await exchangeJson({ ...wait.target, agent: wait.agent, method: 'GET', path, timeoutMs: REQUEST_TIMEOUT_MS, ...signalOf(wait) });
    } catch (err) {
      if (wait.pin.changed !== undefined) throw new WritError('PAIRING_CONTROL_CHANGED', wait.pin.changed, { cause: err });
      if (isCertificateError(err)) throw new WritError('PAIRING_CONTROL_CHANGED', `the control host's certificate no longer chains to the CA shown during pairing (${(err as Error).message})`, { cause: err });
      if (isTransient(err)) continue;
      throw networkError(err, wait.target);
    }
    // Denied and expired requests leave nothing behind on the control host, so both read as 404.
    if (answer.status === 404) throw new WritError('PAIRING_DENIED', 'the pairing request was denied or expired');
    // The registry being briefly unavailable is no reason to give up on a pending request.
    if (answer.status === 503) continue;
    if (answer.status !== 200) throw refused(answer);
    const status = PairingStatusSchema.safeParse(answer.body);
    if (!status.success) throw new WritError('PAIRING_REFUSED', 'the control host answered the status request with something malformed');
    if (status.data.state === 'approved') return status.data.certificate;
  }
}

/** OpenSSL's verification failures (X509_V_ERR_* names) and Node's name check failure. */
function isCertificateError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && /^(UNABLE_TO_|CERT_|SELF_SIGNED_|DEPTH_ZERO_|ERR_TLS_CERT_|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)/.test(code);
}

function isTransient(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && TRANSIENT_ERRORS.has(code);
}

function cancelled(err: unknown): WritError {
  return new WritError('PAIRING_CANCELLED', 'pairing was cancelled', { cause: err });
}

/** WritErrors pass through; an abort is PAIRING_CANCELLED; anything else means the host was not reached. */
function networkError(err: unknown, target: HostPort): WritError {
  if (err instanceof WritError) return err;
  if ((err as Error | undefined)?.name === 'AbortError') return cancelled(err);
  return new WritError('PAIRING_UNREACHABLE', `no usable answer from the control host at ${target.host}:${target.port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
