/**
 * The control host and real agent processes over mutual TLS on loopback, with a CA made at test
 * time: the control host reaches the agent it meant (and refuses revoked or substituted ones before
 * sending anything); an agent serves only the control host's certificate. The control host's own
 * server side (revocation at the handshake) is in fleet-revocation-guard.test.ts.
 */
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request, type ServerOptions as HttpsServerOptions } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { hasCode } from '../../src/core/errors.js';
import { AgentClient, type AgentRunEvent, type RevocationCheck } from '../../src/control/fleet/index.js';
import type { IssueRequest } from '../../src/control/pki/index.js';
import { daysAgo, testCa, type TestCa } from '../../src/control/pki/testing.js';
import { startAgent, writeConfig, type AgentProcess } from '../support/agent-process.js';
import { tempDir } from '../support/temp.js';

interface Credentials {
  readonly certPem: string;
  readonly keyPem: string;
  /** Canonical serial: lower-case hex, no leading zeros (as the registry spells it). */
  readonly serial: string;
}

const dir = tempDir('writ-fleet-');
const at = (name: string): string => join(dir.path, name);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');
const notRevoked: RevocationCheck = () => false;

/** A fresh P-256 key and a certificate for it from `ca`: an agent's (`writ:host:<name>`) or, with `controlHost`, the control host's. */
function issue(ca: TestCa, name: string, overrides: Partial<Omit<IssueRequest, 'hostName'>> = {}): Credentials {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const identity = overrides.controlHost ? {} : { hostName: name };
  const certPem = ca.ca.issue({ subjectPublicKey: keys.publicKey, commonName: name, ...identity, dnsNames: ['localhost'], ips: ['127.0.0.1'], usage: ['server', 'client'], validityDays: 30, ...overrides });
  return { certPem, keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), serial: serialOf(certPem) };
}

function controlCredentials(ca: TestCa): Credentials {
  const certPem = readFileSync(ca.init.paths.controlCert, 'utf8');
  return { certPem, keyPem: readFileSync(ca.init.paths.controlKey, 'utf8'), serial: serialOf(certPem) };
}

const rejection = (code: string, detail?: (err: unknown) => boolean) => (err: unknown): boolean => {
  assert.ok(hasCode(err, code), `expected ${code}, got ${String(err)}`);
  return detail ? detail(err) : true;
};

describe('control host <-> agents over mutual TLS', () => {
  // The CA started 30 days ago, so it can issue a certificate that has already expired.
  const ca = testCa({ now: daysAgo(30) });
  const owner = generateKeyPairSync('ed25519');
  const control = controlCredentials(ca);
  const agents = new Map<string, { process: AgentProcess; address: string; creds: Credentials }>();
  const agent = (name: string): { process: AgentProcess; address: string; creds: Credentials } => {
    const found = agents.get(name);
    assert.ok(found, name);
    return found;
  };
  const clientFor = (name: string, options: { address?: string; creds?: Credentials; caPem?: string; isRevoked?: RevocationCheck } = {}): AgentClient => {
    const creds = options.creds ?? control;
    return new AgentClient({ name, address: options.address ?? agent(name).address, caPem: options.caPem ?? ca.ca.caCertPem, certPem: creds.certPem, keyPem: creds.keyPem, isRevoked: options.isRevoked ?? notRevoked, timeoutMs: 5000 });
  };
  /** Everything the agent logged about writs: a request that reached it leaves a line here. */
  const runLines = (name: string): number => agent(name).process.logs.filter((l) => String(l.event).startsWith('run.')).length;

  before(async () => {
    mkdirSync(at('trusted'));
    writeFileSync(at('trusted/owner.pem'), owner.publicKey.export({ type: 'spki', format: 'pem' }));
    await Promise.all(
      ['agent-1', 'agent-2'].map(async (name) => {
        const creds = issue(ca, name);
        writeFileSync(at(`${name}.crt`), creds.certPem);
        writeFileSync(at(`${name}.key`), creds.keyPem, { mode: 0o600 });
        const config = writeConfig(
          at(`${name}.yaml`),
          `host:\n  name: ${name}\ntrust:\n  paths: [${at('trusted')}]\nstateDir: ${at(`${name}-state`)}\nhttps:\n  listen: 127.0.0.1:0\n  cert: ${at(`${name}.crt`)}\n  key: ${at(`${name}.key`)}\n  clientCa: ${ca.init.paths.caCert}\n`,
        );
        const process = await startAgent(config);
        agents.set(name, { process, address: new URL(process.url).host, creds });
      }),
    );
  });
  after(async () => {
    await Promise.all([...agents.values()].map((a) => a.process.stop()));
    ca[Symbol.dispose]();
    dir[Symbol.dispose]();
  });

  test('the control host runs a sealed writ on agent-1: health, submit, live events, log, cancel', async () => {
    using client = clientFor('agent-1');
    assert.ok((await client.health()).latencyMs >= 0);
    const sealed = await sealTest(owner.privateKey, { script: { name: 'job.js', bytes: enc('console.log("from agent-1"); 6 * 7') } });
    const answer = await client.submit(sealed.writ);
    assert.equal(answer.status, 202);
    assert.ok(answer.accepted);
    const events: AgentRunEvent[] = [];
    const finished = await client.events(answer.run.id, (event) => events.push(event));
    assert.equal(finished?.state, 'succeeded');
    assert.deepEqual(finished.report !== null && typeof finished.report === 'object' && 'result' in finished.report ? finished.report.result : null, 42);
    assert.equal(events.filter((e) => e.type === 'output').map((e) => e.text).join(''), 'from agent-1\n');
    const log = await client.readLog(answer.run.id, 5);
    assert.deepEqual({ text: log?.bytes.toString(), next: log?.nextOffset, done: log?.done }, { text: 'agent-1\n', next: 13, done: true });
    assert.equal((await client.get(answer.run.id))?.exitCode, 0);
    assert.equal(await client.get('no-such-run'), null);
    assert.equal(await client.cancel(answer.run.id), 'already-final');
    // A writ the agent refuses is an answer with the agent's code, not an exception.
    const replayed = await client.submit(sealed.writ);
    assert.equal(replayed.accepted, false);
  });

  test('a client certificate from another CA is refused in the handshake', async () => {
    using stranger = testCa();
    using client = clientFor('agent-1', { creds: controlCredentials(stranger) });
    await assert.rejects(client.health(), rejection('AGENT_TLS_REFUSED'));
  });

  test('an expired client certificate is refused in the handshake', async () => {
    const expired = issue(ca, 'writ-control', { controlHost: true, now: daysAgo(10), validityDays: 1 });
    assert.ok(Date.parse(new X509Certificate(expired.certPem).validTo) < Date.now());
    using client = clientFor('agent-1', { creds: expired });
    await assert.rejects(client.health(), rejection('AGENT_TLS_REFUSED'));
  });

  test("agent-2's own certificate (same CA, no writ:control) cannot drive agent-1: 403 CLIENT_NOT_CONTROL", async () => {
    const before = runLines('agent-1');
    using client = clientFor('agent-1', { creds: agent('agent-2').creds });
    const isNotControl = (err: unknown): boolean => err instanceof Error && 'status' in err && err.status === 403 && 'agentCode' in err && err.agentCode === 'CLIENT_NOT_CONTROL';
    await assert.rejects(client.health(), rejection('AGENT_HTTP_ERROR', isNotControl));
    await assert.rejects(client.submit((await sealTest(owner.privateKey)).writ), rejection('AGENT_HTTP_ERROR', isNotControl));
    assert.equal(runLines('agent-1'), before, 'the writ reached the agent');
  });

  test('without a client certificate (an unpaired host) no request completes', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: Number(new URL(agent('agent-1').process.url).port), path: '/v1/health', ca: ca.ca.caCertPem, checkServerIdentity: () => undefined }, (res) => {
        res.resume();
        resolve(`status ${res.statusCode ?? 0}`);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        resolve(`refused ${err.code ?? err.message}`);
      });
      req.end();
    });
    assert.match(outcome, /^refused (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/);
  });

  test('agent-2 answering where agent-1 was meant: AGENT_IDENTITY_MISMATCH, and nothing reaches agent-2', async () => {
    const before = runLines('agent-2');
    using client = clientFor('agent-1', { address: agent('agent-2').address });
    await assert.rejects(client.submit((await sealTest(owner.privateKey)).writ), rejection('AGENT_IDENTITY_MISMATCH'));
    await assert.rejects(client.health(), rejection('AGENT_IDENTITY_MISMATCH'));
    // Proof that the refusal is agent-2's absence and not the client's: the right name works there.
    using right = clientFor('agent-2');
    await right.health();
    assert.equal(runLines('agent-2'), before, 'the writ reached agent-2');
  });

  test("a revoked agent certificate: AGENT_REVOKED before anything is sent, also on a kept-alive connection", async () => {
    const before = runLines('agent-1');
    const serial = agent('agent-1').creds.serial;
    const asked: string[] = [];
    using revoked = clientFor('agent-1', { isRevoked: (s) => (asked.push(s), s === serial) });
    await assert.rejects(revoked.submit((await sealTest(owner.privateKey)).writ), rejection('AGENT_REVOKED'));
    assert.deepEqual(asked, [serial]);
    assert.equal(runLines('agent-1'), before, 'the writ reached a revoked agent');

    const revokedSerials = new Set<string>();
    using later = clientFor('agent-1', { isRevoked: (s) => revokedSerials.has(s) });
    await later.health();
    revokedSerials.add(serial);
    await assert.rejects(later.submit((await sealTest(owner.privateKey)).writ), rejection('AGENT_REVOKED'));
    assert.equal(runLines('agent-1'), before, 'the writ reached a revoked agent over a kept-alive connection');

    using unknown = clientFor('agent-1', { isRevoked: () => Promise.reject(new Error('registry down')) });
    await assert.rejects(unknown.health(), rejection('AGENT_REVOCATION_UNKNOWN'));
    // Only an explicit false admits: a check that answers nothing has not said "not revoked".
    using careless = clientFor('agent-1', { isRevoked: (() => undefined) as unknown as RevocationCheck });
    await assert.rejects(careless.health(), rejection('AGENT_REVOKED'));
  });

  test('nobody listening, or a listener that never speaks TLS: AGENT_UNREACHABLE within the timeout', async () => {
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      using mute = new AgentClient({ name: 'agent-1', address: `127.0.0.1:${port}`, caPem: ca.ca.caCertPem, certPem: control.certPem, keyPem: control.keyPem, isRevoked: notRevoked, timeoutMs: 300 });
      const started = Date.now();
      await assert.rejects(mute.health(), rejection('AGENT_UNREACHABLE'));
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
    using closed = clientFor('agent-1', { address: `127.0.0.1:${port}` });
    await assert.rejects(closed.health(), rejection('AGENT_UNREACHABLE'));
  });

  describe('an address that answers with the wrong server (in-process HTTPS servers)', () => {
    /** Serves `creds` on loopback as an agent would (client certificates of our CA required); counts requests. */
    type ServerOptions = HttpsServerOptions & { port?: number };
    async function withServer(creds: Credentials, options: ServerOptions, body: (address: string, requests: () => number) => Promise<void>): Promise<{ port: number }> {
      let requests = 0;
      const server = createHttpsServer({ cert: creds.certPem, key: creds.keyPem, ca: ca.ca.caCertPem, requestCert: true, rejectUnauthorized: true, ...options }, (_req, res) => {
        requests++;
        res.end('{"ok":true}');
      });
      await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        await body(`127.0.0.1:${port}`, () => requests);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      return { port };
    }

    test('a certificate naming agent-1 from another CA is refused; so is TLS below 1.3', async () => {
      using stranger = testCa();
      await withServer(issue(stranger, 'agent-1'), {}, async (address, requests) => {
        using client = clientFor('agent-1', { address });
        await assert.rejects(client.health(), rejection('AGENT_TLS_REFUSED'));
        assert.equal(requests(), 0);
      });
      await withServer(issue(ca, 'agent-1'), { maxVersion: 'TLSv1.2' }, async (address, requests) => {
        using client = clientFor('agent-1', { address });
        await assert.rejects(client.health(), rejection('AGENT_TLS_REFUSED'));
        assert.equal(requests(), 0);
      });
    });

    test('a resumed TLS session cannot stand in for the identity check (no session cache)', async () => {
      // Two servers sharing ticket keys (a load balancer, a copied config) answer at one address in
      // turn: resuming agent-1's session with agent-2 would skip checkServerIdentity.
      const ticketKeys = randomBytes(48);
      const held: { client: AgentClient | null } = { client: null };
      try {
        const { port } = await withServer(issue(ca, 'agent-1'), { ticketKeys }, async (address) => {
          held.client = clientFor('agent-1', { address });
          await held.client.health();
        });
        await withServer(issue(ca, 'agent-2'), { ticketKeys, port }, async (_address, requests) => {
          await assert.rejects(held.client?.health() ?? Promise.reject(new Error('no client')), rejection('AGENT_IDENTITY_MISMATCH'));
          assert.equal(requests(), 0);
        });
      } finally {
        held.client?.close();
      }
    });
  });
});
