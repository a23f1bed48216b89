import { createHash } from 'node:crypto';
import { parseCsr } from '../pki/index.js';
import type { PairingRequest } from '../registry/index.js';
import type { PendingPairingView } from './operator-messages.js';

/** `sha256:<hex>` of the SPKI DER of the key the request's CSR carries: what the agent will hold. */
export function csrKeyFingerprint(csrPem: string): string {
  const der = parseCsr(csrPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * What an operator sees of one pending request. Everything comes from the registry's record, so any
 * control host sharing the registry shows the same request the same way, before or after a restart.
 */
export function pendingPairingView(request: PairingRequest, replacesAgent: boolean): PendingPairingView {
  return {
    id: request.id,
    name: request.agentName,
    code: request.code,
    tags: [...request.tags],
    address: request.address,
    requestedAt: request.requestedAt,
    expiresAt: request.expiresAt,
    keyFingerprint: csrKeyFingerprint(request.csrPem),
    replacesAgent,
  };
}
