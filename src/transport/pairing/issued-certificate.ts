import { X509Certificate, type KeyObject } from 'node:crypto';
import { WritError } from '../../core/errors.js';
import { agentIdentityUri, hasUriSubjectAltName } from '../../core/uri-sans.js';

function invalid(reason: string, cause?: unknown): WritError {
  return new WritError('PAIRING_CERTIFICATE_INVALID', `the certificate the control host issued is unusable: ${reason}`, cause === undefined ? undefined : { cause });
}

/**
 * Checks the certificate the control host issued after approval before anything is written: it must
 * be from the CA about to be pinned, for this agent's own key, and bound to the name it asked for.
 * Returns it as clean PEM (nothing but the one certificate).
 */
export function checkIssuedCertificate(certificatePem: string, ca: X509Certificate, agentPublicKey: KeyObject, name: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch (err) {
    throw invalid('it does not parse', err);
  }
  // Issued by the CA the agent is about to pin, or the control host would refuse the agent later anyway.
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw invalid('it was not issued by the CA shown during pairing');
  // A certificate for another key is useless to this agent and a sign that the answer was meant for someone else.
  if (!cert.publicKey.equals(agentPublicKey)) throw invalid("it is not for this agent's key");
  // The control host knows the agent by this name; a certificate bound to another name would impersonate it.
  if (!hasUriSubjectAltName(cert, agentIdentityUri(name))) throw invalid(`it does not carry the URI ${agentIdentityUri(name)}`);
  // An agent holding a CA certificate could mint certificates for the whole fleet.
  if (cert.ca) throw invalid('it is a CA certificate');
  return cert.toString();
}
