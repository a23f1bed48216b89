import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import { tempDir } from '../../../test/support/temp.js';
import { hasCode } from '../../core/errors.js';
import type { RunService } from '../port.js';
import { requireClientUri } from './client-role-guard.js';
import { HttpsTransport } from './https-transport.js';

const dir = tempDir('writ-role-');
after(() => {
  dir[Symbol.dispose]();
});
const at = (name: string): string => join(dir.path, name);
const ssl = (args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir.path, stdio: 'ignore' });
};
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
ssl(['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=CA', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign']);
ssl(['req', '-x509', ...ecKey, '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
/** Certificates of the CA carrying `san`, and one that only claims it (self-signed, another "CA"). */
for (const [name, san] of [['control', 'URI:writ:control'], ['host', 'URI:writ:host:agent-2'], ['lookalike', 'URI:writ:control.evil, URI:x:writ:control']] as const) {
  ssl(['req', '-new', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`]);
  ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-copy_extensions', 'copyall']);
}
ssl(['req', '-x509', ...ecKey, '-keyout', 'forged.key', '-out', 'forged.crt', '-days', '1', '-subj', '/CN=control', '-addext', 'subjectAltName=URI:writ:control']);

function status(port: number, client: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', ca: readFileSync(at('server.crt')), cert: readFileSync(at(`${client}.crt`)), key: readFileSync(at(`${client}.key`)) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('only a client certificate Node authorized AND carrying exactly the URI gets through', async () => {
  // rejectUnauthorized off on purpose: the hook alone must refuse what TLS let through unverified.
  const app = Fastify({ https: { cert: readFileSync(at('server.crt')), key: readFileSync(at('server.key')), ca: readFileSync(at('ca.crt')), requestCert: true, rejectUnauthorized: false } });
  requireClientUri(app, 'writ:control');
  app.get('/x', () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const port = app.server.address() as { port: number };
    assert.equal(await status(port.port, 'control'), 200);
    assert.equal(await status(port.port, 'host'), 403);
    // Substrings of the right URI in other entries are not the entry.
    assert.equal(await status(port.port, 'lookalike'), 403);
    // The right URI in a certificate that does not chain to the CA is anybody's claim.
    assert.equal(await status(port.port, 'forged'), 403);
  } finally {
    await app.close();
  }
});

test('a client CA without a required URI refuses to start (fail closed)', async () => {
  const transport = new HttpsTransport({ host: '127.0.0.1', port: 0, certPath: at('server.crt'), keyPath: at('server.key'), clientCaPath: at('ca.crt'), maxBodyBytes: 1024 });
  await assert.rejects(transport.start({} as RunService), (err: unknown) => hasCode(err, 'CONFIG_INVALID'));
});
