/**
 * The OpenAPI document at /v1/openapi.json against the real server over real TLS: it covers every
 * route Fastify registered, and the real answers (JSON and NDJSON lines, successes and errors)
 * validate against the schema it documents for their path, method and status.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { requestPairing } from '../../transport/pairing/index.js';
import { createCsr, generatePkiKeyPair } from '../pki/index.js';
import { OPENAPI_PATH } from './openapi.js';
import { startTestControl, type TestControl } from './testing.js';

const T = { timeout: 30_000 };

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** One HTTPS call with the path sent exactly as given (no URL normalization); `token` null sends none. */
function rawCall(control: TestControl, method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<Answer> {
  const [host, port] = control.hostPort.split(':');
  const token = options.token === undefined ? control.token : options.token;
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port: Number(port),
      method,
      path,
      ca: control.caPem,
      agent: false,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString() }));
    });
    req.end(payload);
  });
}

type Json = Record<string, unknown>;
interface Operation {
  readonly summary?: string;
  readonly tags?: string[];
  readonly security?: Record<string, string[]>[];
  readonly parameters?: { in: string; name: string; required?: boolean }[];
  readonly requestBody?: { content: Record<string, { schema: Json }> };
  readonly responses: Record<string, { description?: string; content?: Record<string, { schema: Json }> }>;
}
interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { title: string; version: string };
  readonly components: { securitySchemes: Record<string, { type: string }> };
  readonly paths: Record<string, Record<string, Operation>>;
}

/** Fastify's `/a/:id` as OpenAPI writes it: `/a/{id}`. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Validates answers against the document, compiling each schema it meets once. */
class DocumentedAnswers {
  readonly #ajv = new Ajv2020({ allErrors: true });
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    addFormats.default(this.#ajv);
    // zod writes `format: base64` for z.base64() (a request body); the pattern beside it does the checking.
    this.#ajv.addFormat('base64', true);
  }

  operation(method: string, path: string): Operation {
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the document`);
    return operation;
  }

  /** The compiled schema of `method path`'s `status` answer under `contentType`. */
  schema(method: string, path: string, status: number, contentType = 'application/json'): ValidateFunction {
    const key = `${method} ${path} ${status} ${contentType}`;
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    const schema = this.operation(method, path).responses[String(status)]?.content?.[contentType]?.schema;
    assert.ok(schema, `${key} is not documented`);
    const validate = this.#ajv.compile(schema);
    this.#compiled.set(key, validate);
    return validate;
  }

  requestBody(method: string, path: string): ValidateFunction {
    const schema = this.operation(method, path).requestBody?.content['application/json']?.schema;
    assert.ok(schema, `${method} ${path} documents no JSON body`);
    return this.#ajv.compile(schema);
  }

  /** Asserts `answer` is a documented JSON answer of `method path` (the OpenAPI path), and returns its body. */
  check(method: string, path: string, answer: Answer, expectedStatus: number): unknown {
    assert.equal(answer.status, expectedStatus, `${method} ${path}: ${answer.text.slice(0, 300)}`);
    assert.match(answer.contentType, /^application\/json/, `${method} ${path} ${answer.status}`);
    const body = JSON.parse(answer.text) as unknown;
    const validate = this.schema(method, path, answer.status);
    assert.ok(validate(body), `${method} ${path} ${answer.status} does not match its documented schema: ${JSON.stringify(validate.errors)}\n${answer.text.slice(0, 500)}`);
    return body;
  }
}

async function documented(control: TestControl): Promise<DocumentedAnswers> {
  const answer = await rawCall(control, 'GET', OPENAPI_PATH, { token: null });
  assert.equal(answer.status, 200, answer.text);
  const docs = new DocumentedAnswers(JSON.parse(answer.text) as OpenApiDocument);
  // The document describes itself, too.
  docs.check('GET', OPENAPI_PATH, answer, 200);
  return docs;
}

/** What anyone may call: an agent pairing (it has no certificate yet) and the document itself. */
const OPEN_ROUTES = new Set(['POST /v1/pairing/requests', 'GET /v1/pairing/requests/{id}', `GET ${OPENAPI_PATH}`]);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('the document is OpenAPI 3.1, served without a token, and describes every route the server registered', T, async () => {
  await using control = await startTestControl();
  const docs = await documented(control);
  const { doc } = docs;
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.equal(doc.info.title, 'writ control API');
  assert.deepEqual([doc.components.securitySchemes.bearer?.type, doc.components.securitySchemes.controlCertificate?.type], ['http', 'mutualTLS']);

  const registered = control.server.routes.map((r) => `${r.method} ${openApiPath(r.url)}`);
  assert.ok(registered.length >= 12, registered.join('\n'));
  const inDocument = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  // Both ways: no route without documentation, no documentation without a route.
  assert.deepEqual([...inDocument].sort(), [...registered].sort());
  for (const route of registered) {
    const [method = '', path = ''] = route.split(' ');
    const operation = docs.operation(method, path);
    assert.ok((operation.summary ?? '').length > 0, `${route} has no summary`);
    assert.equal(operation.tags?.length, 1, `${route} has no tag`);
    const statuses = Object.keys(operation.responses);
    assert.ok(statuses.some((s) => s.startsWith('2')), `${route} documents no success`);
    assert.ok(statuses.includes('500'), `${route} documents no 500`);
    // What OpenAPI requires of each operation: a description per response, a required parameter per path template.
    for (const status of statuses) assert.ok((operation.responses[status]?.description ?? '').length > 0, `${route} ${status} has no description`);
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) assert.ok(operation.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true), `${route} does not declare {${name}}`);
    // Every schema the document holds compiles: a broken one would only be found by a client.
    for (const status of statuses) for (const contentType of Object.keys(operation.responses[status]?.content ?? {})) docs.schema(method, path, Number(status), contentType);
    if (operation.requestBody) docs.requestBody(method, path);
    const operatorOnly = !OPEN_ROUTES.has(route);
    assert.deepEqual(operation.security, operatorOnly ? [{ bearer: [] }, { controlCertificate: [] }] : [], route);
    if (operatorOnly) assert.ok(statuses.includes('401'), `${route} documents no 401`);
  }
});

test('real answers validate against the documented schemas; wrong ones do not', T, async () => {
  await using control = await startTestControl();
  const docs = await documented(control);
  const call = (method: string, path: string, options?: { body?: unknown; token?: string | null }): Promise<Answer> => rawCall(control, method, path, options);

  docs.check('GET', '/v1/health', await call('GET', '/v1/health'), 200);
  docs.check('GET', '/v1/health', await call('GET', '/v1/health', { token: null }), 401);
  docs.check('GET', '/v1/agents', await call('GET', '/v1/agents', { token: 'wrong' }), 401);
  docs.check('GET', '/v1/pairing/mode', await call('GET', '/v1/pairing/mode'), 200);
  docs.check('POST', '/v1/pairing/mode', await call('POST', '/v1/pairing/mode', { body: { enabled: 'yes' } }), 400);
  const modeBody = { enabled: true, minutes: 5 };
  assert.ok(docs.requestBody('POST', '/v1/pairing/mode')(modeBody));
  docs.check('POST', '/v1/pairing/mode', await call('POST', '/v1/pairing/mode', { body: modeBody }), 200);
  docs.check('GET', '/v1/pairing/requests', await call('GET', '/v1/pairing/requests'), 200);
  docs.check('POST', '/v1/pairing/requests', await call('POST', '/v1/pairing/requests', { body: { name: 'web1' }, token: null }), 400);
  docs.check('GET', '/v1/pairing/requests/{id}', await call('GET', `/v1/pairing/requests/${'a'.repeat(32)}`, { token: null }), 404);

  // A real agent's request, through the real client, to an address where nothing listens.
  const keys = generatePkiKeyPair('ec-p256');
  const pairingBody = { name: 'web1', csr: createCsr({ ...keys, commonName: 'web1' }), address: `127.0.0.1:${await freePort()}`, tags: ['prod'] };
  assert.ok(docs.requestBody('POST', '/v1/pairing/requests')(pairingBody));
  let shown: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => (shown = resolve));
  const outcome = requestPairing({ control: control.hostPort, body: pairingBody, agentPublicKey: keys.publicKey, onCode: (c) => shown(c), pollMs: 50, timeoutMs: 20_000 });
  outcome.catch(() => undefined);
  const pairingCode = await code;
  const listed = docs.check('GET', '/v1/pairing/requests', await call('GET', '/v1/pairing/requests'), 200) as { id: string }[];
  assert.equal(listed.length, 1);
  docs.check('GET', '/v1/pairing/requests/{id}', await call('GET', `/v1/pairing/requests/${listed[0]?.id ?? ''}`, { token: null }), 200);
  docs.check('POST', '/v1/pairing/approve', await call('POST', '/v1/pairing/approve', { body: { code: pairingCode } }), 200);
  await outcome;
  docs.check('GET', '/v1/pairing/requests/{id}', await call('GET', `/v1/pairing/requests/${listed[0]?.id ?? ''}`, { token: null }), 200);
  const agents = docs.check('GET', '/v1/agents', await call('GET', '/v1/agents'), 200) as unknown[];
  assert.equal(agents.length, 1);
  docs.check('POST', '/v1/pairing/approve', await call('POST', '/v1/pairing/approve', { body: { code: pairingCode } }), 404);
  docs.check('POST', '/v1/pairing/deny', await call('POST', '/v1/pairing/deny', { body: { code: pairingCode } }), 404);
  docs.check('POST', '/v1/pairing/approve', await call('POST', '/v1/pairing/approve', { body: { code: 'UUUU-UUUU' } }), 400);
  docs.check('POST', '/v1/pairing/mode', await call('POST', '/v1/pairing/mode', { body: { enabled: false } }), 200);
  docs.check('POST', '/v1/pairing/requests', await call('POST', '/v1/pairing/requests', { body: pairingBody, token: null }), 403);

  // The fleet: refusals are JSON, answers NDJSON lines, each a documented line.
  docs.check('POST', '/v1/fleet/ping', await call('POST', '/v1/fleet/ping', { body: { target: 'nosuch' } }), 404);
  docs.check('POST', '/v1/fleet/runs', await call('POST', '/v1/fleet/runs', { body: { target: 'all', writ: 'not base64!' } }), 400);
  docs.check('POST', '/v1/fleet/runs', await call('POST', '/v1/fleet/runs', { body: { target: 'all' }, token: null }), 401);
  const ping = await call('POST', '/v1/fleet/ping', { body: { target: 'all', hostTimeoutMs: 5000 } });
  assert.equal(ping.status, 200, ping.text);
  assert.match(ping.contentType, /^application\/x-ndjson/);
  const lineSchema = docs.schema('POST', '/v1/fleet/ping', 200, 'application/x-ndjson');
  const lines = ping.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(lines.map((l) => l.type), ['targets', 'result', 'summary']);
  for (const line of lines) assert.ok(lineSchema(line), `${JSON.stringify(line)}: ${JSON.stringify(lineSchema.errors)}`);

  // The checks can fail: answers shaped otherwise are refused.
  const wrong: [string, string, number, unknown, string?][] = [
    ['GET', '/v1/health', 200, { status: 'ok', extra: true }],
    ['GET', '/v1/health', 200, { status: 'fine' }],
    ['GET', '/v1/agents', 200, [{ name: 'web1' }]],
    ['GET', '/v1/pairing/mode', 200, { enabled: true }],
    // Error answers name only the codes documented for their status.
    ['POST', '/v1/pairing/approve', 404, { error: { code: 'UNAUTHENTICATED', message: 'x' } }],
    ['GET', '/v1/health', 401, { error: 'UNAUTHENTICATED' }],
    ['POST', '/v1/fleet/ping', 200, { type: 'result', host: 'web1' }, 'application/x-ndjson'],
    ['POST', '/v1/fleet/ping', 200, { type: 'pong', host: 'web1', latencyMs: -1 }, 'application/x-ndjson'],
    ['POST', '/v1/fleet/ping', 200, { type: 'summary', exitCode: 0, counts: { weird: 1 } }, 'application/x-ndjson'],
  ];
  for (const [method, path, status, body, contentType] of wrong) assert.equal(docs.schema(method, path, status, contentType)(body), false, `${method} ${path} ${status} accepted ${JSON.stringify(body)}`);
  assert.equal(docs.requestBody('POST', '/v1/pairing/mode')({ enabled: true, minutes: 0 }), false);
});

test('the open document route opens nothing else: the operator API still needs a token', T, async () => {
  await using control = await startTestControl();
  const answer = await rawCall(control, 'GET', OPENAPI_PATH, { token: null });
  assert.equal(answer.status, 200);
  // Nothing secret in it: not the token, no certificate or key.
  assert.ok(!answer.text.includes(control.token));
  assert.doesNotMatch(answer.text, /BEGIN [A-Z ]*(CERTIFICATE|KEY)/);
  for (const [method, path] of [
    ['GET', '/v1/agents'],
    ['GET', '/v1/health'],
    ['GET', '/v1/pairing/requests'],
    ['POST', '/v1/fleet/ping'],
    ['GET', '/v1/agents?/v1/openapi.json'],
    ['GET', '/v1/agents#/v1/openapi.json'],
    ['HEAD', '/v1/agents'],
  ] as const) {
    const refused = await rawCall(control, method, path, { token: null, ...(method === 'POST' ? { body: { target: 'all' } } : {}) });
    assert.equal(refused.status, 401, `${method} ${path}: ${refused.text.slice(0, 200)}`);
  }
  // Paths that start like the document but lead elsewhere are not the document and not the API.
  for (const path of ['/v1/openapi.json/../agents', '/v1/openapi.json/%2e%2e/agents', '/v1/openapi.json;/../agents', '/v1//openapi.json/../agents']) {
    const answered = await rawCall(control, 'GET', path, { token: null });
    assert.ok(answered.status === 401 || answered.status === 404, `${path}: ${answered.status} ${answered.text.slice(0, 200)}`);
  }
});
