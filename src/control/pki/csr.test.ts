import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import {
  AlgorithmIdentifier,
  Attribute,
  AttributeTypeAndValue,
  AttributeValue,
  Extension,
  Extensions,
  GeneralName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { commonNameToName, derToPem } from './certificate-builder.js';
import { createCsr, parseCsr } from './csr.js';
import { ED25519, signData } from './key-algorithms.js';

const ec = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

function refusedBecause(pattern: RegExp): (err: unknown) => boolean {
  return (err) => hasCode(err, 'CSR_INVALID') && pattern.test((err as Error).message);
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function sanRequest(...sans: GeneralName[][]): Attribute {
  const extensions = new Extensions(
    sans.map((names) => new Extension({ extnID: id_ce_subjectAltName, critical: false, extnValue: new OctetString(AsnConvert.serialize(new SubjectAlternativeName(names))) })),
  );
  return new Attribute({ type: EXTENSION_REQUEST, values: [AsnConvert.serialize(extensions)] });
}

/** A request built field by field, signed with `signer` (default: the subject key itself). */
function handmade(options: { subjectKey: KeyObject; signer: KeyObject; commonName?: string; subject?: Name; version?: number; attributes?: Attribute[]; algorithm?: string; parameters?: ArrayBuffer | null }): string {
  const info = new CertificationRequestInfo({
    version: options.version ?? 0,
    subject: options.subject ?? commonNameToName(options.commonName ?? 'agent-1'),
    subjectPKInfo: AsnConvert.parse(options.subjectKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    attributes: new Attributes(options.attributes ?? []),
  });
  const signed = signData(options.signer, new Uint8Array(AsnConvert.serialize(info)));
  const algorithm = new AlgorithmIdentifier({ algorithm: options.algorithm ?? signed.algorithm });
  if (options.parameters !== undefined) algorithm.parameters = options.parameters;
  const request = new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: algorithm, signature: new Uint8Array(signed.signature).buffer });
  return derToPem(new Uint8Array(AsnConvert.serialize(request)), 'CERTIFICATE REQUEST');
}

/** A request made by the openssl CLI: what an operator could hand-craft. */
function opensslCsr(dir: string, keyArgs: string[], subject: string, extra: string[] = []): string {
  return execFileSync('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', subject, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

test('round trip: an EC P-256 and an Ed25519 request give back key, common name and DNS names', () => {
  for (const keys of [ec(), generateKeyPairSync('ed25519')]) {
    const parsed = parseCsr(createCsr({ ...keys, commonName: 'agent-1', dnsNames: ['Agent-1.Example', 'agent-1.example', 'b.example'] }));
    assert.equal(parsed.commonName, 'agent-1');
    assert.deepEqual(parsed.dnsNames, ['agent-1.example', 'b.example']);
    assert.ok(parsed.publicKey.equals(keys.publicKey));
  }
  assert.deepEqual(parseCsr(createCsr({ ...ec(), commonName: 'plain' })).dnsNames, []);
});

test('requests made by openssl are read, and ours pass `openssl req -verify`', () => {
  using dir = tempDir();
  const p256 = parseCsr(opensslCsr(dir.path, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], '/O=Ops/CN=ossl-agent', ['-addext', 'subjectAltName=DNS:ossl.example']));
  assert.equal(p256.commonName, 'ossl-agent');
  assert.deepEqual(p256.dnsNames, ['ossl.example']);
  assert.equal(parseCsr(opensslCsr(dir.path, ['-newkey', 'ed25519'], '/CN=ed-agent')).keyType, 'ed25519');
  for (const keys of [ec(), generateKeyPairSync('ed25519')]) {
    const out = execFileSync('openssl', ['req', '-verify', '-noout'], { input: createCsr({ ...keys, commonName: 'agent-1', dnsNames: ['a.example'] }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    assert.equal(out, '');
  }
});

test('a request whose self-signature does not verify is refused (CSR_INVALID)', () => {
  const keys = ec();
  // The subject swapped after signing: the classic way to ask for someone else's name.
  const request = AsnConvert.parse(derOf(createCsr({ ...keys, commonName: 'agent-1' })), CertificationRequest);
  request.certificationRequestInfo.subject = commonNameToName('agent-2');
  delete request.certificationRequestInfoRaw;
  const swapped = derToPem(new Uint8Array(AsnConvert.serialize(request)), 'CERTIFICATE REQUEST');
  assert.throws(() => parseCsr(swapped), refusedBecause(/self-signature/));
  // Proof of possession: a request for a copied public key, signed by some other key.
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: ec().privateKey })), refusedBecause(/self-signature/));
  // A flipped signature byte.
  const der = derOf(createCsr({ ...generateKeyPairSync('ed25519'), commonName: 'agent-1' }));
  der.writeUInt8(der.readUInt8(der.length - 1) ^ 1, der.length - 1);
  assert.throws(() => parseCsr(derToPem(der, 'CERTIFICATE REQUEST')), refusedBecause(/self-signature/));
});

test('the signature algorithm must be the one of the key, without parameters', () => {
  const keys = ec();
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, algorithm: ED25519 })), refusedBecause(/self-signature/));
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, parameters: null })), refusedBecause(/parameters/));
});

test('a request whose public key does not parse is refused', () => {
  const request = AsnConvert.parse(derOf(createCsr({ ...ec(), commonName: 'agent-1' })), CertificationRequest);
  request.certificationRequestInfo.subjectPKInfo.subjectPublicKey = new Uint8Array(65).fill(7).buffer;
  delete request.certificationRequestInfoRaw;
  assert.throws(() => parseCsr(derToPem(new Uint8Array(AsnConvert.serialize(request)), 'CERTIFICATE REQUEST')), refusedBecause(/public key does not parse/));
});

test('RSA and other curves are refused (CSR_INVALID)', () => {
  using dir = tempDir();
  assert.throws(() => parseCsr(opensslCsr(dir.path, ['-newkey', 'rsa:2048'], '/CN=rsa-agent')), refusedBecause(/rsa; only EC P-256 and Ed25519/));
  assert.throws(() => parseCsr(opensslCsr(dir.path, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'], '/CN=p384')), refusedBecause(/secp384r1/));
});

test('trailing bytes, surrounding text, several blocks and bad base64 are refused (CSR_INVALID)', () => {
  const pem = createCsr({ ...ec(), commonName: 'agent-1' });
  const der = derOf(pem);
  assert.throws(() => parseCsr(derToPem(Buffer.concat([der, Buffer.from([0])]), 'CERTIFICATE REQUEST')), refusedBecause(/trailing data/));
  assert.throws(() => parseCsr(derToPem(der.subarray(0, der.length - 1), 'CERTIFICATE REQUEST')), refusedBecause(/trailing data|does not parse/));
  assert.throws(() => parseCsr(`${pem}extra`), refusedBecause(/exactly one PEM/));
  assert.throws(() => parseCsr(`note\n${pem}`), refusedBecause(/exactly one PEM/));
  assert.throws(() => parseCsr(`${pem}${pem}`), refusedBecause(/exactly one PEM/));
  assert.throws(() => parseCsr(pem.replace('CERTIFICATE REQUEST', 'CERTIFICATE')), refusedBecause(/exactly one PEM/));
  assert.throws(() => parseCsr(pem.replace(/\n(.)/, '\n=$1')), refusedBecause(/base64/));
  assert.equal(parseCsr(`\n${pem}\n\n`).commonName, 'agent-1');
});

test('oversized input is refused before it is parsed', () => {
  const pem = createCsr({ ...ec(), commonName: 'agent-1' });
  assert.throws(() => parseCsr(pem + ' '.repeat(16 * 1024)), refusedBecause(/larger than 16384 bytes/));
  assert.throws(() => parseCsr(pem, { maxBytes: 100, maxDnsNames: 32 }), refusedBecause(/larger than 100 bytes/));
});

test('common names outside the pattern, and several common names, are refused', () => {
  using dir = tempDir();
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  for (const subject of ['/CN=agent 1', '/CN=-agent', '/CN=agent_1', '/CN=*.example']) {
    assert.throws(() => parseCsr(opensslCsr(dir.path, p256, subject)), refusedBecause(/common name/), subject);
  }
  assert.throws(() => parseCsr(opensslCsr(dir.path, p256, '/CN=a/CN=b')), refusedBecause(/2 common names/));
  assert.throws(() => parseCsr(opensslCsr(dir.path, p256, '/O=no-name')), refusedBecause(/0 common names/));
  const keys = ec();
  // (openssl refuses to write names over 64 characters, so these are built by hand.)
  for (const commonName of ['bad\nname', 'a'.repeat(254)]) {
    assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, commonName })), refusedBecause(/common name/));
  }
  assert.equal(parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, commonName: 'a'.repeat(253) })).commonName.length, 253);
  const ia5 = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ ia5String: 'agent-1' }) })])]);
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, subject: ia5 })), refusedBecause(/neither a UTF8String nor a PrintableString/));
});

test('requested names other than DNS names, wildcards and too many names are refused', () => {
  using dir = tempDir();
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  for (const san of ['IP:10.0.0.1', 'URI:writ:host:control', 'email:a@example.org', 'DNS:*.example.org', 'DNS:bad_name']) {
    assert.throws(() => parseCsr(opensslCsr(dir.path, p256, '/CN=agent-1', ['-addext', `subjectAltName=${san}`])), (err) => hasCode(err, 'CSR_INVALID'), san);
  }
  const keys = ec();
  const many = Array.from({ length: 33 }, (_, i) => new GeneralName({ dNSName: `h${i}.example` }));
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, attributes: [sanRequest(many)] })), refusedBecause(/33 names/));
  const two = [sanRequest([new GeneralName({ dNSName: 'a.example' })]), sanRequest([new GeneralName({ dNSName: 'b.example' })])];
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, attributes: two })), refusedBecause(/repeats the extension request/));
  const twice = sanRequest([new GeneralName({ dNSName: 'a.example' })], [new GeneralName({ dNSName: 'b.example' })]);
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, attributes: [twice] })), refusedBecause(/subjectAltName twice/));
});

test('a request version other than v1 is refused', () => {
  const keys = ec();
  assert.throws(() => parseCsr(handmade({ subjectKey: keys.publicKey, signer: keys.privateKey, version: 1 })), refusedBecause(/version 1/));
});

test('createCsr refuses a key pair that does not belong together and keys of other types', () => {
  assert.throws(() => createCsr({ privateKey: ec().privateKey, publicKey: ec().publicKey, commonName: 'a' }), (err) => hasCode(err, 'OPTION_INVALID'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => createCsr({ ...rsa, commonName: 'a' }), (err) => hasCode(err, 'OPTION_INVALID'));
  assert.throws(() => createCsr({ ...ec(), commonName: 'a b' }), (err) => hasCode(err, 'OPTION_INVALID'));
});
