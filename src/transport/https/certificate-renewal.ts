import { X509Certificate, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalSerialHex } from '../../core/certificate-serial.js';
import { installCertificateAndKey, type CertKeyPaths } from '../../core/cert-key-files.js';
import { WritError } from '../../core/errors.js';
import { uriSubjectAltNames } from '../../core/uri-sans.js';
import { CHALLENGE_BYTES, RENEWAL_PROOF_PREFIX, type RenewalOffer, type ServedCertificate } from './renewal-messages.js';

/** A new key waits this long for its certificate; after that the control host must start over. */
const PENDING_TTL_MS = 10 * 60_000;
/** Clocks of the control host and the agent may disagree by this much. */
const CLOCK_SKEW_MS = 5 * 60_000;

interface Pending {
  readonly privateKey: KeyObject;
  readonly publicDer: Buffer;
  readonly createdAt: number;
}

/** What the transport does with an installed pair: new TLS handshakes present it. */
export type InstallCertificate = (certPem: string, keyPem: string) => void;

/**
 * The agent's half of certificate renewal. Only the control host reaches it (the transport's client
 * CA and role guard stand before every route). The new private key is made here and never leaves
 * this process except into the key file.
 */
export class AgentCertificateRenewal {
  #pending: Pending | null = null;

  constructor(
    private readonly paths: CertKeyPaths,
    /** The control CA the agent pinned at pairing: the only issuer a new certificate may have. */
    private readonly caPem: string,
    private readonly onInstall: InstallCertificate,
    private readonly now: () => number = Date.now,
  ) {}

  /** The certificate on disk, which is the one new handshakes present. */
  served(): ServedCertificate {
    const cert = new X509Certificate(readFileSync(this.paths.cert));
    return { serial: canonicalSerialHex(cert) ?? '', fingerprint: cert.fingerprint256, notBefore: new Date(cert.validFrom).toISOString(), notAfter: new Date(cert.validTo).toISOString() };
  }

  /** Makes a new key of the current key's type and signs the challenge with it. */
  offer(challenge: Buffer): RenewalOffer {
    // A short or empty challenge would let an old proof be replayed as a fresh one.
    if (challenge.length !== CHALLENGE_BYTES) throw new WritError('REQUEST_INVALID', `the challenge must be ${CHALLENGE_BYTES} bytes, got ${challenge.length}`);
    const currentKey = createPrivateKey(readFileSync(this.paths.key));
    const { privateKey, publicKey } = currentKey.asymmetricKeyType === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicDer = publicKey.export({ type: 'spki', format: 'der' });
    const proof = Buffer.concat([Buffer.from(RENEWAL_PROOF_PREFIX), challenge]);
    const signature = sign(privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', proof, privateKey);
    // One renewal at a time: a newer offer replaces an older key that never got its certificate.
    this.#pending = { privateKey, publicDer, createdAt: this.now() };
    return { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), signature: signature.toString('base64') };
  }

  /** Checks the certificate against everything the agent already trusts, then installs it. */
  install(certPem: string): ServedCertificate {
    const pending = this.#pending;
    // Only a certificate for the key this agent just made: never one for a key it does not hold.
    if (pending === null || this.now() - pending.createdAt > PENDING_TTL_MS) throw new WritError('RENEWAL_NOT_PENDING', 'no renewal is pending (none offered, or the offer is older than 10 minutes)');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch (err) {
      throw new WritError('RENEWAL_CERTIFICATE_INVALID', 'the certificate does not parse', { cause: err });
    }
    // The certificate must carry the pending key, or the agent would serve a key it does not have.
    if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(pending.publicDer)) throw new WritError('RENEWAL_KEY_MISMATCH', 'the certificate is not for the key this agent offered');
    const ca = new X509Certificate(this.caPem);
    // Issued by the pinned CA, checked by signature (checkIssued alone compares only names).
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new WritError('RENEWAL_UNTRUSTED', 'the certificate is not signed by the control CA this agent pinned at pairing');
    const current = new X509Certificate(readFileSync(this.paths.cert));
    // The control host may renew this agent's identity, never change it: same URI names, exactly.
    if (!sameUris(current, cert)) throw new WritError('RENEWAL_IDENTITY_CHANGED', `the certificate does not carry exactly this agent's URI names (${uriSubjectAltNames(current).join(', ')})`);
    const now = this.now();
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    // Not yet valid or already expired: installing it would break every handshake.
    if (notBefore > now + CLOCK_SKEW_MS || notAfter <= now) throw new WritError('RENEWAL_CERTIFICATE_INVALID', `the certificate is valid ${cert.validFrom} to ${cert.validTo}, not now`);
    // No "must end later than the current one" rule: the CA decides lifetimes (an operator may shorten
    // them), and an old certificate cannot be replayed here because it is not for the fresh pending key.
    const keyPem = pending.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    installCertificateAndKey(this.paths, certPem, keyPem);
    this.#pending = null;
    this.onInstall(certPem, keyPem);
    return this.served();
  }
}

function sameUris(a: X509Certificate, b: X509Certificate): boolean {
  try {
    return sameUriLists(a, b);
  } catch {
    // A SAN that does not parse names nobody, so it cannot name this agent.
    return false;
  }
}

function sameUriLists(a: X509Certificate, b: X509Certificate): boolean {
  const left = uriSubjectAltNames(a).sort();
  const right = uriSubjectAltNames(b).sort();
  return left.length > 0 && left.length === right.length && left.every((uri, i) => uri === right[i]);
}
