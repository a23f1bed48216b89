import type { CertificateAuthority } from '../pki/index.js';
import type { Registry } from '../registry/index.js';
import type { ControlLogger } from './logger.js';
import type { PairingWindow } from './pairing-window.js';

/**
 * What the routes share: resolved once at start, never re-read per request. Pairing requests live
 * only in the registry, so several control hosts on one registry (or one after a restart) decide
 * the same requests; the pairing window is this process's own.
 */
export interface ControlContext {
  readonly ca: CertificateAuthority;
  readonly registry: Registry;
  readonly window: PairingWindow;
  readonly pairingTtlMs: number;
  readonly agentValidityDays: number;
  readonly apiToken: string;
  readonly log: ControlLogger;
}
