import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import {
  AlgorithmIdentifier,
  Attribute,
  Extension,
  Extensions,
  GeneralName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { commonNameToName, derToPem } from './certificate-builder.js';
import { PkiError } from './errors.js';
import { pkiKeyTypeOf, signData, verifyData, type PkiKeyType } from './key-algorithms.js';
import { COMMON_NAME_PATTERN, checkCommonName, normalizeDnsName, printable } from './names.js';

/**
 * PKCS#10 certificate signing requests: an agent makes one for its own key, the control host reads
 * it. Only the key and the names come out of a request; the CA decides everything else itself.
 */

/** PKCS#9 extensionRequest: where a CSR carries the extensions (here: SAN) it asks for. */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const COMMON_NAME_OID = '2.5.4.3';
const PEM_PATTERN = /^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE REQUEST-----\s*$/;

export interface CsrLimits {
  /** Largest PEM text accepted, in bytes. */
  readonly maxBytes: number;
  /** Most DNS names a request may ask for. */
  readonly maxDnsNames: number;
}

export const DEFAULT_CSR_LIMITS: CsrLimits = { maxBytes: 16 * 1024, maxDnsNames: 32 };

export interface CreateCsrOptions {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
}

/** What the control host learns from a request whose signature it verified. */
export interface ParsedCsr {
  readonly publicKey: KeyObject;
  readonly keyType: PkiKeyType;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
}

/** Agent side: a PEM CSR for `publicKey`, signed with `privateKey`. */
export function createCsr(options: CreateCsrOptions): string {
  const commonName = checkCommonName(options.commonName);
  const dnsNames = [...new Set((options.dnsNames ?? []).map(normalizeDnsName))];
  if (pkiKeyTypeOf(options.privateKey) === undefined) throw new PkiError('OPTION_INVALID', 'the key must be EC P-256 or Ed25519');
  const spkiDer = options.publicKey.export({ type: 'spki', format: 'der' });
  // A request for one key signed by another would be refused by the CA; catch the mix-up here.
  if (!createPublicKey(options.privateKey).export({ type: 'spki', format: 'der' }).equals(spkiDer)) {
    throw new PkiError('OPTION_INVALID', 'the public key does not belong to the private key');
  }
  const attributes = new Attributes();
  if (dnsNames.length > 0) {
    const san = new SubjectAlternativeName(dnsNames.map((dNSName) => new GeneralName({ dNSName })));
    const extensions = new Extensions([new Extension({ extnID: id_ce_subjectAltName, critical: false, extnValue: new OctetString(AsnConvert.serialize(san)) })]);
    attributes.push(new Attribute({ type: EXTENSION_REQUEST, values: [AsnConvert.serialize(extensions)] }));
  }
  const info = new CertificationRequestInfo({
    version: 0,
    subject: commonNameToName(commonName),
    subjectPKInfo: AsnConvert.parse(spkiDer, SubjectPublicKeyInfo),
    attributes,
  });
  // The library writes the empty `[0] attributes` field (A0 00) that RFC 2986 requires.
  const signed = signData(options.privateKey, new Uint8Array(AsnConvert.serialize(info)));
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: signed.algorithm }),
    signature: new Uint8Array(signed.signature).buffer,
  });
  return derToPem(new Uint8Array(AsnConvert.serialize(request)), 'CERTIFICATE REQUEST');
}

function invalid(reason: string, cause?: unknown): never {
  throw new PkiError('CSR_INVALID', `certificate request refused: ${reason}`, cause === undefined ? undefined : { cause });
}

/**
 * Control side: parses an untrusted PEM CSR into a trusted ParsedCsr, or throws CSR_INVALID naming
 * the reason. Everything not listed in ParsedCsr (other subject attributes, requested extensions
 * besides SAN dNSName) is ignored, because nothing else from a request is ever copied into a
 * certificate.
 */
export function parseCsr(pem: string, limits: CsrLimits = DEFAULT_CSR_LIMITS): ParsedCsr {
  // Bounds parsing work and memory before any of it happens: requests arrive from unpaired hosts.
  if (Buffer.byteLength(pem, 'utf8') > limits.maxBytes) invalid(`it is larger than ${limits.maxBytes} bytes`);
  const der = pemToDer(pem);
  // Bytes after the request are not covered by its signature; two parsers could disagree on them.
  if (derElementLength(der) !== der.length) invalid('it has trailing data or a malformed outer length');
  let request: CertificationRequest;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
  } catch (err) {
    return invalid('its DER does not parse as PKCS#10', err);
  }
  const info = request.certificationRequestInfo;
  const signedBytes = request.certificationRequestInfoRaw;
  if (info.version !== 0) invalid(`version ${info.version} is not v1 (0)`);
  if (signedBytes === undefined) return invalid('the signed part of the request could not be located');

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(AsnConvert.serialize(info.subjectPKInfo)), format: 'der', type: 'spki' });
  } catch (err) {
    return invalid('its public key does not parse', err);
  }
  const keyType = pkiKeyTypeOf(publicKey);
  // Other key types (RSA, other curves) are refused outright rather than weighed for strength.
  if (keyType === undefined) invalid(`its key is ${describeKey(publicKey)}; only EC P-256 and Ed25519 are accepted`);
  // Parameters on these algorithms are forbidden by RFC 5758 / RFC 8410; an encoder adding them is not ours.
  if (request.signatureAlgorithm.parameters !== undefined) invalid('its signature algorithm carries parameters');
  // Proof of possession: only the holder of the private key can sign for it, so nobody gets a certificate for a key they merely copied.
  if (!verifyData(publicKey, request.signatureAlgorithm.algorithm, new Uint8Array(signedBytes), new Uint8Array(request.signature))) {
    invalid('its self-signature does not verify with its own key');
  }
  return { publicKey, keyType, commonName: commonNameOf(info), dnsNames: requestedDnsNames(info, limits) };
}

function pemToDer(pem: string): Buffer {
  const match = PEM_PATTERN.exec(pem);
  // Exactly one block and nothing around it: text before or after is data nobody signed.
  if (match?.[1] === undefined) return invalid('it is not exactly one PEM CERTIFICATE REQUEST block');
  const base64 = match[1].replace(/\r?\n/g, '');
  const der = Buffer.from(base64, 'base64');
  // Node's decoder skips characters it does not understand; only a lossless round trip is the text we got.
  if (der.toString('base64') !== base64) invalid('its base64 is malformed');
  return der;
}

/** Total length of the DER element starting at byte 0 (tag, length, contents), or -1 if malformed. */
function derElementLength(der: Buffer): number {
  if (der.length < 2 || der.readUInt8(0) !== 0x30) return -1;
  const first = der.readUInt8(1);
  if (first < 0x80) return 2 + first;
  const lengthBytes = first & 0x7f;
  // Indefinite (0x80) and absurd lengths are BER, not DER.
  if (lengthBytes === 0 || lengthBytes > 3 || der.length < 2 + lengthBytes) return -1;
  return 2 + lengthBytes + der.readUIntBE(2, lengthBytes);
}

function commonNameOf(info: CertificationRequestInfo): string {
  const values = [...info.subject].flatMap((rdn) => [...rdn]).filter((atv) => atv.type === COMMON_NAME_OID);
  // Two common names would leave the choice of identity to whichever code reads first.
  if (values.length !== 1) invalid(`its subject has ${values.length} common names; exactly one is required`);
  const value = values[0]?.value;
  const text = value?.utf8String ?? value?.printableString;
  if (text === undefined) return invalid('its common name is neither a UTF8String nor a PrintableString');
  // The name becomes the certificate's subject and the agent's identity in logs and the registry.
  if (!COMMON_NAME_PATTERN.test(text)) invalid(`its common name "${printable(text)}" does not match ${String(COMMON_NAME_PATTERN)}`);
  return text;
}

function requestedDnsNames(info: CertificationRequestInfo, limits: CsrLimits): string[] {
  // RFC 2986 makes the attributes field mandatory, but OpenSSL-made requests may omit it; absent means none.
  // (The library's type says always present; its parser leaves the property undefined when absent.)
  const attributes: readonly Attribute[] | undefined = info.attributes;
  const requests = (attributes ?? []).filter((a) => a.type === EXTENSION_REQUEST);
  // Two extension requests (or one with two values) could each be read as "the" request.
  if (requests.length > 1 || (requests[0] !== undefined && requests[0].values.length !== 1)) invalid('it repeats the extension request');
  const encoded = requests[0]?.values[0];
  if (encoded === undefined) return [];
  let sans: Extension[];
  try {
    sans = [...AsnConvert.parse(encoded, Extensions)].filter((e) => e.extnID === id_ce_subjectAltName);
  } catch (err) {
    return invalid('its requested extensions do not parse', err);
  }
  if (sans.length > 1) invalid('it requests subjectAltName twice');
  if (sans[0] === undefined) return [];
  let names: GeneralName[];
  try {
    names = [...AsnConvert.parse(sans[0].extnValue, SubjectAlternativeName)];
  } catch (err) {
    return invalid('its requested subjectAltName does not parse', err);
  }
  if (names.length > limits.maxDnsNames) invalid(`it requests ${names.length} names; at most ${limits.maxDnsNames} are accepted`);
  const dnsNames = names.map((name) => {
    // IPs and URIs (above all `writ:host:`) are assigned by the control host, never requested.
    if (name.dNSName === undefined) return invalid('it requests a subjectAltName other than a DNS name');
    try {
      return normalizeDnsName(name.dNSName);
    } catch (err) {
      return invalid(`it requests "${printable(name.dNSName)}", which is not a DNS name`, err);
    }
  });
  return [...new Set(dnsNames)];
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'of unknown type'}${curve === undefined ? '' : ` (${curve})`}`;
}
