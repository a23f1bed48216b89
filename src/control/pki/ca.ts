import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { caViolation, certProfile } from '../../bundle/trust/x509-profile.js';
import { buildCertificate, type CertificateUsage } from './certificate-builder.js';
import { caPaths, readCaFile, syncDirectory, writeNewFile, type CaPaths } from './ca-layout.js';
import { PkiError } from './errors.js';
import { generatePkiKeyPair, pkiKeyTypeOf, type PkiKeyType } from './key-algorithms.js';
import { checkCaName, checkCommonName, normalizeDnsNames, normalizeIps } from './names.js';
import { FileSerialLedger, drawUniqueSerial, type SerialLedger } from './serial.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_CA_NAME = 'writ control CA';
/**
 * EC P-256 by default: every TLS stack the agents and people's tools use accepts P-256 certificates,
 * whereas Ed25519 certificates are only partly supported across TLS clients (browsers for the web UI
 * refuse them; OpenSSL accepts them in TLS 1.3 only). Ed25519 remains available for all-writ fleets.
 */
export const DEFAULT_CA_KEY_TYPE: PkiKeyType = 'ec-p256';
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** The control host's own certificate is renewed far more often than the CA is replaced. */
export const DEFAULT_CONTROL_VALIDITY_DAYS = 397;
export const MAX_CA_VALIDITY_DAYS = 10950;
export const MAX_LEAF_VALIDITY_DAYS = 3650;
export const CONTROL_COMMON_NAME = 'writ-control';
export const DEFAULT_CONTROL_DNS_NAMES: readonly string[] = ['localhost'];
export const DEFAULT_CONTROL_IPS: readonly string[] = ['127.0.0.1'];

export interface InitCaOptions {
  readonly dir: string;
  readonly name?: string;
  readonly keyType?: PkiKeyType;
  readonly validityDays?: number;
  readonly now?: Date;
  /** SAN of the control host's certificate; when neither list is given, localhost and 127.0.0.1. */
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly controlValidityDays?: number;
}

export interface InitCaResult {
  readonly paths: CaPaths;
  readonly name: string;
  readonly keyType: PkiKeyType;
  /** `sha256:<hex>` of the CA certificate's DER: what operators compare when they pin the CA. */
  readonly fingerprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly control: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ips: readonly string[]; readonly notAfter: Date };
}

export interface IssueRequest {
  readonly subjectPublicKey: KeyObject;
  readonly commonName: string;
  /** Registered agent name the certificate is bound to (URI SAN `writ:host:<name>`). */
  readonly hostName?: string;
  /** The control host's own certificate (URI SAN `writ:control`); never together with hostName. */
  readonly controlHost?: boolean;
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
  readonly usage: readonly CertificateUsage[];
  readonly validityDays: number;
  readonly now?: Date;
}

/** `sha256:<hex>` of a certificate's DER. */
export function certificateFingerprint(cert: X509Certificate): string {
  return `sha256:${createHash('sha256').update(cert.raw).digest('hex')}`;
}

function checkValidityDays(days: number, max: number, what: string): number {
  // Zero, fractional or huge values would make certificates valid for no time or for ever.
  if (!Number.isSafeInteger(days) || days < 1 || days > max) throw new PkiError('OPTION_INVALID', `${what} must be a whole number of days from 1 to ${max}, got ${days}`);
  return days;
}

function checkNow(now: Date): Date {
  // An invalid date would make every comparison false, and a false comparison must not mean "valid".
  if (Number.isNaN(now.getTime())) throw new PkiError('OPTION_INVALID', 'the current time is not a valid date');
  return now;
}

function checkDirectoryNotShared(dir: string): void {
  const mode = statSync(dir).mode & 0o777;
  // Whoever may write the directory may swap ca.pem or ca.key (or the ledger) for their own.
  if (process.platform !== 'win32' && (mode & 0o022) !== 0) {
    throw new PkiError('CA_INVALID', `${dir} has mode ${mode.toString(8).padStart(4, '0')}; a CA directory must not be writable by group or others (chmod 700)`);
  }
}

/**
 * Creates a CA in `dir`: its key, self-signed certificate, serial ledger, and the control host's
 * own TLS key and certificate. Never overwrites: if the CA key (or any other CA file) exists, it
 * fails with CA_EXISTS and leaves what is there untouched; on any other failure it removes exactly
 * the files it created.
 */
export function initCa(options: InitCaOptions): InitCaResult {
  const name = checkCaName(options.name ?? DEFAULT_CA_NAME);
  const keyType = options.keyType ?? DEFAULT_CA_KEY_TYPE;
  // The type arrives from a flag or a config file; an unknown one must not fall through to a default.
  if (keyType !== 'ec-p256' && keyType !== 'ed25519') throw new PkiError('OPTION_INVALID', `key type must be ec-p256 or ed25519, got ${String(keyType)}`);
  const validityDays = checkValidityDays(options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS, MAX_CA_VALIDITY_DAYS, 'CA validity');
  const controlValidityDays = checkValidityDays(options.controlValidityDays ?? DEFAULT_CONTROL_VALIDITY_DAYS, MAX_LEAF_VALIDITY_DAYS, 'control certificate validity');
  const now = checkNow(options.now ?? new Date());
  const defaultSan = options.dnsNames === undefined && options.ips === undefined;
  const dnsNames = normalizeDnsNames(defaultSan ? DEFAULT_CONTROL_DNS_NAMES : (options.dnsNames ?? []));
  const ips = normalizeIps(defaultSan ? DEFAULT_CONTROL_IPS : (options.ips ?? []));
  // Agents check the control host's name against its certificate; with no name nothing can match.
  if (dnsNames.length === 0 && ips.length === 0) throw new PkiError('OPTION_INVALID', 'the control certificate needs at least one DNS name or IP address');

  const paths = caPaths(options.dir);
  try {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new PkiError('CA_INVALID', `${paths.dir}: cannot create the CA directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  checkDirectoryNotShared(paths.dir);
  const caKeys = generatePkiKeyPair(keyType);
  // The CA key is created first and exclusively: it is the lock that makes a second init fail.
  writeNewFile(paths.caKey, caKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  const created = [paths.caKey];
  try {
    const ledger = FileSerialLedger.create(paths.serials);
    created.push(paths.serials);
    const caCert = buildCertificate({
      serialHex: drawUniqueSerial(ledger),
      commonName: name,
      subjectPublicKey: caKeys.publicKey,
      signer: { kind: 'self', privateKey: caKeys.privateKey },
      profile: { kind: 'ca' },
      now,
      notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    });
    const caX509 = new X509Certificate(caCert.der);
    // Read back through OpenSSL before anyone is told to trust it, as every issued leaf is.
    if (!caX509.verify(caKeys.publicKey) || !caX509.checkIssued(caX509) || !caX509.ca) {
      throw new PkiError('ISSUE_FAILED', 'the new CA certificate does not read back as a self-signed CA');
    }
    writeNewFile(paths.caCert, caCert.pem, 0o644);
    created.push(paths.caCert);
    const ca = new CertificateAuthority(paths, caX509, caKeys.privateKey, ledger);

    const controlKeys = generatePkiKeyPair(keyType);
    const controlPem = ca.issue({
      subjectPublicKey: controlKeys.publicKey,
      commonName: CONTROL_COMMON_NAME,
      controlHost: true,
      dnsNames,
      ips,
      usage: ['server', 'client'],
      validityDays: controlValidityDays,
      now,
    });
    writeNewFile(paths.controlKey, controlKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    created.push(paths.controlKey);
    writeNewFile(paths.controlCert, controlPem, 0o644);
    created.push(paths.controlCert);
    syncDirectory(paths.dir);
    const control = certProfile(new X509Certificate(controlPem));
    return {
      paths,
      name,
      keyType,
      fingerprint: ca.fingerprint,
      notBefore: ca.notBefore,
      notAfter: ca.notAfter,
      control: { commonName: CONTROL_COMMON_NAME, dnsNames, ips, notAfter: control.notAfter },
    };
  } catch (err) {
    // Half a CA is worse than none: a later init would refuse, a later load would fail obscurely.
    for (const path of created.reverse()) rmSync(path, { force: true });
    throw err;
  }
}

/**
 * Loads the CA in `dir` for issuing. Fails closed: CA_NOT_FOUND when the CA files are missing,
 * CA_INVALID when anything about them is off (key readable by others, key not matching the
 * certificate, a certificate that is not a CA, a missing ledger).
 */
export function loadCa(dir: string): CertificateAuthority {
  const paths = caPaths(dir);
  const certPem = readCaFile(paths.caCert);
  const keyPem = readCaFile(paths.caKey);
  checkDirectoryNotShared(paths.dir);
  const mode = statSync(paths.caKey).mode & 0o777;
  // Anyone who can read the CA key can mint agent certificates; ssh refuses loose key modes likewise.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new PkiError('CA_INVALID', `${paths.caKey} has mode ${mode.toString(8).padStart(4, '0')}; the CA key must be private to its owner (chmod 600)`);
  }
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(certPem);
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    throw new PkiError('CA_INVALID', `${paths.dir}: the CA certificate or key does not parse`, { cause: err });
  }
  // Issuing with a key the CA certificate does not carry would produce certificates nobody can verify.
  if (!certificate.checkPrivateKey(privateKey)) throw new PkiError('CA_INVALID', `${paths.caKey} is not the key of ${paths.caCert}`);
  if (pkiKeyTypeOf(privateKey) === undefined) throw new PkiError('CA_INVALID', `${paths.caKey} is neither an EC P-256 nor an Ed25519 key`);
  let violation: string | undefined;
  try {
    violation = caViolation(certProfile(certificate));
  } catch (err) {
    violation = err instanceof Error ? err.message : String(err);
  }
  // Leaves signed under a non-CA certificate are refused by every verifier; better to stop here.
  if (violation !== undefined) throw new PkiError('CA_INVALID', `${paths.caCert} is not a usable CA certificate: ${violation}`);
  // The ledger must exist before the first issue: without it, serial uniqueness is unknowable.
  if (!existsSync(paths.serials)) throw new PkiError('CA_INVALID', `${paths.serials} is missing; the CA cannot know which serials it has used`);
  return new CertificateAuthority(paths, certificate, privateKey, new FileSerialLedger(paths.serials));
}

/** A loaded CA that can issue TLS certificates to the control host and its agents. */
export class CertificateAuthority {
  readonly paths: CaPaths;
  readonly certificate: X509Certificate;
  readonly caCertPem: string;
  readonly fingerprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly #privateKey: KeyObject;
  readonly #ledger: SerialLedger;

  constructor(paths: CaPaths, certificate: X509Certificate, privateKey: KeyObject, ledger: SerialLedger) {
    this.paths = paths;
    this.certificate = certificate;
    this.caCertPem = certificate.toString();
    this.fingerprint = certificateFingerprint(certificate);
    const profile = certProfile(certificate);
    this.notBefore = profile.notBefore;
    this.notAfter = profile.notAfter;
    this.#privateKey = privateKey;
    this.#ledger = ledger;
  }

  /** Issues a leaf certificate for `request.subjectPublicKey`; returns it as PEM. */
  issue(request: IssueRequest): string {
    const now = checkNow(request.now ?? new Date());
    // An expired CA's certificates fail verification everywhere; issuing would hand out dead certificates.
    if (now.getTime() > this.notAfter.getTime()) throw new PkiError('CA_EXPIRED', `the CA certificate expired at ${this.notAfter.toISOString()}; issue a new CA`);
    // A clock before the CA's start is wrong, and dates derived from it would be wrong too.
    if (now.getTime() < this.notBefore.getTime()) throw new PkiError('CA_NOT_YET_VALID', `the CA certificate is not valid until ${this.notBefore.toISOString()}; check the clock`);
    // Only key types every agent can verify and that cannot be downgraded (no RSA, no other curves).
    if (pkiKeyTypeOf(request.subjectPublicKey) === undefined || request.subjectPublicKey.type !== 'public') {
      throw new PkiError('OPTION_INVALID', 'the subject key must be an EC P-256 or Ed25519 public key');
    }
    // A leaf without a purpose would be accepted for every purpose by some verifiers.
    if (request.usage.length === 0) throw new PkiError('OPTION_INVALID', 'a certificate needs at least one usage (server or client)');
    const commonName = checkCommonName(request.commonName);
    const hostName = request.hostName === undefined ? undefined : checkCommonName(request.hostName, 'host name');
    // One certificate is either an agent's or the control host's: both would let an agent act as the control host.
    if (hostName !== undefined && request.controlHost) throw new PkiError('OPTION_INVALID', 'a certificate cannot name an agent and the control host at once');
    const dnsNames = normalizeDnsNames(request.dnsNames);
    const ips = normalizeIps(request.ips);
    const days = checkValidityDays(request.validityDays, MAX_LEAF_VALIDITY_DAYS, 'validity');
    // A leaf cannot outlive its CA in any verifier; clamping states the real end date in the leaf.
    const notAfter = new Date(Math.min(now.getTime() + days * DAY_MS, this.notAfter.getTime()));

    const serialHex = drawUniqueSerial(this.#ledger);
    const built = buildCertificate({
      serialHex,
      commonName,
      subjectPublicKey: request.subjectPublicKey,
      signer: { kind: 'issuer', certificate: this.certificate, privateKey: this.#privateKey },
      profile: { kind: 'leaf', usage: request.usage },
      now,
      notAfter,
      dnsNames,
      ips,
      ...(hostName === undefined ? {} : { hostName }),
      ...(request.controlHost ? { controlHost: true } : {}),
    });
    this.#checkWithNode(built.pem, serialHex, dnsNames, ips);
    return built.pem;
  }

  /**
   * Reads the new certificate back through OpenSSL (Node's X509Certificate) before it leaves the CA:
   * a certificate our ASN.1 encoding got wrong fails here, not on an agent in the field.
   */
  #checkWithNode(pem: string, serialHex: string, dnsNames: readonly string[], ips: readonly string[]): void {
    const problems: string[] = [];
    const cert = new X509Certificate(pem);
    if (!cert.verify(this.certificate.publicKey)) problems.push('its signature does not verify under the CA key');
    if (!cert.checkIssued(this.certificate)) problems.push('OpenSSL does not see the CA as its issuer');
    if (cert.serialNumber.toLowerCase() !== serialHex) problems.push(`its serial reads back as ${cert.serialNumber}`);
    for (const dns of dnsNames) if (cert.checkHost(dns, { wildcards: false }) === undefined) problems.push(`it does not match host ${dns}`);
    for (const ip of ips) if (cert.checkIP(ip) === undefined) problems.push(`it does not match IP ${ip}`);
    if (problems.length > 0) throw new PkiError('ISSUE_FAILED', `the issued certificate is wrong: ${problems.join('; ')}`);
  }
}
