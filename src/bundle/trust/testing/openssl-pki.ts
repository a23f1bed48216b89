import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PKI made with the real `openssl` command line, so tests check writ against the files
 * operators actually produce — not against what Node would make and therefore trivially accept.
 *
 * Everything lives in a fresh temp directory (`mkdtempSync(tmpdir()/writ-)`); call `dispose()`.
 * Written for OpenSSL 3.0, which lacks `x509 -not_before/-not_after` (added in 3.4): certificates are
 * issued with `openssl ca -startdate/-enddate` instead, which sets arbitrary past or future dates
 * without faking the clock. OpenSSL 3.0's `dgst` cannot sign with Ed25519/Ed448, so those keys sign
 * with `pkeyutl -sign -rawin`.
 */

/** Key kinds, including some writ must refuse (rsa1024, ed448, p521). */
export type KeyKind = 'rsa' | 'rsa1024' | 'ec' | 'ec384' | 'p521' | 'ed25519' | 'ed448';

export interface KeyPair {
  readonly kind: KeyKind;
  readonly privatePath: string;
  readonly publicPath: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface IssuedCert {
  readonly path: string;
  readonly cert: X509Certificate;
  readonly key: KeyPair;
}

export interface CertOptions {
  /** Subject common name; defaults to the certificate's file name. */
  readonly cn?: string;
  /** The subject's key: an existing pair, or a kind to generate (default 'ec'). */
  readonly key?: KeyPair | KeyKind;
  /** Lines of the openssl extension section; defaults per role (see EXTENSIONS). */
  readonly extensions?: readonly string[];
  /** Default: one hour ago. */
  readonly notBefore?: Date;
  /** Default: thirty days from now. */
  readonly notAfter?: Date;
  /** Serial number in hex; default: a fresh counter value. */
  readonly serial?: string;
  /** Digest the issuer signs with (`openssl ca -md`); default sha256, or "default" for Edwards issuers. */
  readonly md?: string;
}

/** Extension sections for each role; openssl 3 adds key identifiers unless told `none`. */
export const EXTENSIONS = {
  root: ['basicConstraints = critical,CA:true', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'],
  intermediate: (pathLen?: number): string[] => [
    `basicConstraints = critical,CA:true${pathLen === undefined ? '' : `,pathlen:${pathLen}`}`,
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ],
  leaf: [
    'basicConstraints = critical,CA:false',
    'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = codeSigning',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ],
} as const;

const GENPKEY_ARGS: Record<KeyKind, readonly string[]> = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-algorithm', 'ED25519'],
  ed448: ['-algorithm', 'ED448'],
};

const isEdwards = (kind: KeyKind): boolean => kind === 'ed25519' || kind === 'ed448';

/** `openssl ca` date format (GeneralizedTime), e.g. 20260102030405Z. */
function caDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

export class OpensslPki {
  readonly dir: string;
  private counter = 0x1000;
  private readonly env: NodeJS.ProcessEnv;

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'writ-'));
    // A private config keeps the host's openssl.cnf (and its defaults) out of the tests.
    const config = join(this.dir, 'openssl.cnf');
    writeFileSync(config, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n');
    this.env = { ...process.env, OPENSSL_CONF: config };
  }

  /** Makes the PKI directory; throws unless `openssl` is OpenSSL 3 or later (`pkeyutl -rawin` needs 3.0). */
  static create(): OpensslPki {
    const version = OpensslPki.version();
    const major = /^OpenSSL (\d+)\./.exec(version)?.[1];
    if (major === undefined || Number(major) < 3) throw new Error(`these tests need OpenSSL 3 or later, found: ${version}`);
    return new OpensslPki();
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `openssl version`, e.g. "OpenSSL 3.0.19 27 Jan 2026 (...)". */
  static version(): string {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  }

  /** Runs openssl in the PKI directory; throws with openssl's stderr on failure. */
  openssl(args: readonly string[]): Buffer {
    try {
      return execFileSync('openssl', args, { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`openssl ${args.join(' ')} failed: ${stderr}`, { cause: err });
    }
  }

  /** Absolute path of `name` inside the PKI directory. */
  file(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: string | Uint8Array): string {
    const path = this.file(name);
    writeFileSync(path, data);
    return path;
  }

  /** Generates `<name>.key.pem` (PKCS#8) and `<name>.pub.pem` (SPKI) with `openssl genpkey`/`pkey -pubout`. */
  key(name: string, kind: KeyKind = 'ec'): KeyPair {
    const privatePath = this.file(`${name}.key.pem`);
    const publicPath = this.file(`${name}.pub.pem`);
    this.openssl(['genpkey', ...GENPKEY_ARGS[kind], '-out', privatePath]);
    this.openssl(['pkey', '-in', privatePath, '-pubout', '-out', publicPath]);
    return {
      kind,
      privatePath,
      publicPath,
      privateKey: createPrivateKey(readFileSync(privatePath)),
      publicKey: createPublicKey(readFileSync(publicPath)),
    };
  }

  /**
   * Signs `dataPath` the way an operator would: `openssl dgst -sha256 -sign` for RSA/EC, and
   * `openssl pkeyutl -sign -rawin` for Edwards keys (OpenSSL 3.0's dgst refuses them).
   */
  sign(key: KeyPair, dataPath: string): Buffer {
    const out = `${dataPath}.${String(this.counter++)}.sig`;
    if (isEdwards(key.kind)) {
      this.openssl(['pkeyutl', '-sign', '-rawin', '-inkey', key.privatePath, '-in', dataPath, '-out', out]);
    } else {
      this.openssl(['dgst', '-sha256', '-sign', key.privatePath, '-out', out, dataPath]);
    }
    return readFileSync(out);
  }

  /** A self-signed CA certificate. */
  root(name: string, options: CertOptions = {}): IssuedCert {
    return this.issue(name, undefined, { extensions: EXTENSIONS.root, ...options });
  }

  /** A CA certificate issued by `issuer` (pathLen only when given). */
  intermediate(name: string, issuer: IssuedCert, options: CertOptions & { pathLen?: number } = {}): IssuedCert {
    return this.issue(name, issuer, { extensions: EXTENSIONS.intermediate(options.pathLen), ...options });
  }

  /** A code-signing end-entity certificate issued by `issuer`. */
  leaf(name: string, issuer: IssuedCert, options: CertOptions = {}): IssuedCert {
    return this.issue(name, issuer, { extensions: EXTENSIONS.leaf, ...options });
  }

  /**
   * Issues `<name>.crt.pem` with `openssl req -new` + `openssl ca` (self-signed with `-selfsign`
   * when `issuer` is undefined), with exactly the given extension lines and validity dates.
   */
  issue(name: string, issuer: IssuedCert | undefined, options: CertOptions): IssuedCert {
    const key = typeof options.key === 'object' ? options.key : this.key(name, options.key ?? 'ec');
    const work = this.file(`${name}.ca`);
    mkdirSync(work, { recursive: true });
    const serial = options.serial ?? (this.counter++).toString(16);
    // openssl reads the serial file as whole bytes.
    writeFileSync(join(work, 'serial'), `${serial.length % 2 === 1 ? '0' : ''}${serial}\n`);
    writeFileSync(join(work, 'index.txt'), '');
    const config = join(work, 'ca.cnf');
    writeFileSync(
      config,
      [
        '[ca]',
        'default_ca = pki',
        '[pki]',
        `database = ${join(work, 'index.txt')}`,
        `new_certs_dir = ${work}`,
        `serial = ${join(work, 'serial')}`,
        'policy = policy_any',
        'unique_subject = no',
        'email_in_dn = no',
        '[policy_any]',
        'commonName = supplied',
        '[ext]',
        ...(options.extensions ?? EXTENSIONS.leaf),
        '',
      ].join('\n'),
    );
    const csr = join(work, 'req.csr');
    this.openssl(['req', '-new', '-key', key.privatePath, '-subj', `/CN=${options.cn ?? name}`, '-out', csr]);
    const signerKind = issuer?.key.kind ?? key.kind;
    const path = this.file(`${name}.crt.pem`);
    const notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
    const notAfter = options.notAfter ?? new Date(Date.now() + 30 * 86400_000);
    this.openssl([
      'ca', '-batch', '-config', config, '-notext', '-preserveDN',
      ...(issuer === undefined ? ['-selfsign', '-keyfile', key.privatePath] : ['-cert', issuer.path, '-keyfile', issuer.key.privatePath]),
      '-in', csr, '-out', path,
      '-startdate', caDate(notBefore), '-enddate', caDate(notAfter),
      '-extfile', config, '-extensions', 'ext',
      // Edwards signatures hash internally; openssl ca wants "-md default" for them.
      '-md', options.md ?? (isEdwards(signerKind) ? 'default' : 'sha256'),
    ]);
    return { path, cert: new X509Certificate(readFileSync(path)), key };
  }
}

/** Returns a copy of `bytes` with one bit flipped at `bit` (counted from the first byte's low bit). */
export function flipBit(bytes: Uint8Array, bit = 0): Uint8Array {
  const copy = new Uint8Array(bytes);
  const index = Math.floor(bit / 8) % copy.length;
  copy[index] = (copy[index] ?? 0) ^ (1 << (bit % 8));
  return copy;
}
