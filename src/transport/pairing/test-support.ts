/** Certificates for pairing tests, made by the openssl CLI (the transport layer has no CA of its own). */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LeafOptions {
  /** subjectAltName value, e.g. `URI:writ:control,IP:127.0.0.1`. */
  readonly san?: string;
  /** Signed by this CA; self-signed when absent. */
  readonly issuer?: TestCert;
  /** Certify this key instead of a fresh one. */
  readonly privateKey?: KeyObject;
  readonly isCa?: boolean;
  /** A leaf (CA:FALSE) whose key usage still allows signing certificates. */
  readonly leafCanSign?: boolean;
}

let counter = 0;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A certificate for `name` as described by `options`, with its key, made in `dir`. */
export function makeCert(dir: string, name: string, options: LeafOptions = {}): TestCert {
  const base = join(dir, `${name}-${++counter}`);
  const keyPem = (options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(`${base}.key`, keyPem, { mode: 0o600 });
  const extensions = [
    ...(options.isCa
      ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign']
      : ['basicConstraints = critical,CA:FALSE', `keyUsage = critical,digitalSignature${options.leafCanSign ? ',keyCertSign' : ''}`, 'extendedKeyUsage = serverAuth,clientAuth']),
    ...(options.san === undefined ? [] : [`subjectAltName = ${options.san}`]),
  ];
  writeFileSync(`${base}.cnf`, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${name}`, '[ext]', ...extensions, ''].join('\n'));
  const serial = `0x${randomBytes(8).toString('hex')}`;
  if (options.issuer === undefined) {
    openssl(['req', '-x509', '-new', '-key', `${base}.key`, '-config', `${base}.cnf`, '-extensions', 'ext', '-days', '2', '-set_serial', serial, '-out', `${base}.pem`]);
  } else {
    writeFileSync(`${base}.issuer.pem`, options.issuer.certPem);
    writeFileSync(`${base}.issuer.key`, options.issuer.keyPem, { mode: 0o600 });
    openssl(['req', '-new', '-key', `${base}.key`, '-config', `${base}.cnf`, '-out', `${base}.csr`]);
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', `${base}.issuer.pem`, '-CAkey', `${base}.issuer.key`, '-set_serial', serial, '-days', '2', '-extfile', `${base}.cnf`, '-extensions', 'ext', '-out', `${base}.pem`]);
  }
  return { certPem: readFileSync(`${base}.pem`, 'utf8'), keyPem };
}

/** Listens on a free loopback port; resolves with the port. */
export function listen(server: Server | import('node:https').Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A TLS-terminating relay: it answers with its own certificate and forwards the bytes to
 * `127.0.0.1:targetPort` over a second TLS connection (what a person in the middle would run).
 */
export async function startRelay(own: TestCert, targetPort: number): Promise<{ port: number; close(): void }> {
  const relay = createServer({ cert: own.certPem, key: own.keyPem, minVersion: 'TLSv1.3' }, (inbound: TLSSocket) => {
    const outbound = connect({ host: '127.0.0.1', port: targetPort, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const port = await listen(relay);
  return {
    port,
    close: () => {
      relay.close();
    },
  };
}
