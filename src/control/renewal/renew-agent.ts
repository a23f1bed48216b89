import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { WritError } from '../../core/errors.js';
import { CHALLENGE_BYTES, RENEWAL_PROOF_PREFIX, type ServedCertificate } from '../../transport/https/renewal-messages.js';
import type { AgentClient } from '../fleet/index.js';
import { issueAgentCertificate, type CertificateAuthority } from '../pki/index.js';
import type { AgentRecord, Registry } from '../registry/index.js';

export interface RenewalContext {
  readonly ca: CertificateAuthority;
  readonly registry: Registry;
  readonly validityDays: number;
}

export interface RenewalOutcome {
  readonly name: string;
  readonly previous: ServedCertificate;
  readonly renewed: ServedCertificate;
}

function offeredKey(pem: string, name: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new WritError('RENEWAL_PROOF_INVALID', `agent ${name} offered a public key that does not parse`, { cause: err });
  }
}

/**
 * Renews one agent's certificate over the verified mTLS connection `client` holds (`previous` is
 * what the agent said it serves, asked by the caller, which decided from it that renewal is due):
 *  1. a fresh random challenge; the agent makes a new key and signs the challenge with it;
 *  2. the CA issues a certificate for that key under the agent's registered name and address;
 *  3. the registry records it as the agent's current certificate, BEFORE the agent has it, so
 *     revoking the agent covers this serial even if the control host dies a moment later;
 *  4. the agent checks and installs it; new handshakes present it from then on.
 * If step 4 fails the agent keeps serving its old, still valid certificate and the next sweep
 * (which asks the agent what it serves, not the registry) tries again.
 */
export async function renewAgent(ctx: RenewalContext, agent: AgentRecord, client: AgentClient, previous: ServedCertificate, now: Date): Promise<RenewalOutcome> {
  // A revoked agent gets nothing from the CA again: renewal would undo the revocation.
  if (agent.state !== 'active') throw new WritError('TARGET_REVOKED', `agent ${agent.name} is revoked`);
  const challenge = randomBytes(CHALLENGE_BYTES);
  const offer = await client.offerRenewal(challenge);
  const publicKey = offeredKey(offer.publicKey, agent.name);
  const proof = Buffer.concat([Buffer.from(RENEWAL_PROOF_PREFIX), challenge]);
  // Proof of possession: a certificate only for a key the agent shows it holds, for this challenge.
  const proven = verify(publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', proof, publicKey, Buffer.from(offer.signature, 'base64'));
  if (!proven) throw new WritError('RENEWAL_PROOF_INVALID', `agent ${agent.name}: the signature over the challenge does not verify under the offered key`);
  const issued = issueAgentCertificate(ctx.ca, { publicKey, name: agent.name, address: agent.address }, ctx.validityDays, now);
  await ctx.registry.renewAgentCertificate(agent.name, { serial: issued.serial, fingerprint: issued.fingerprint, issuedAt: issued.issuedAt, notAfter: issued.notAfter });
  const renewed = await client.installCertificate(issued.certPem);
  // The agent must now serve exactly what was issued; anything else is a fault to surface, not to trust.
  if (renewed.serial !== issued.serial) throw new WritError('RENEWAL_FAILED', `agent ${agent.name} reports serial ${renewed.serial} after installing ${issued.serial}`);
  return { name: agent.name, previous, renewed };
}
