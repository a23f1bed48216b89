import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiSchema } from './api-doc.js';

export const OPENAPI_PATH = '/v1/openapi.json';
/** The API's version as the document states it: writ's own (package.json, `writ --version`). */
export const API_VERSION = '0.1.0';

/** The parts of the document a client reads first; the rest is OpenAPI's own structure. */
const OpenApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

/**
 * OpenAPI 3.1's mutualTLS scheme. The plugin's typings (openapi-types) predate it, hence the cast; the
 * plugin itself copies the scheme into the document as given.
 */
const controlCertificate = {
  type: 'mutualTLS',
  description: "Mutual TLS with the control host's own certificate (control.pem, SAN writ:control); an agent's certificate is refused.",
} as unknown as { type: 'http'; scheme: 'mutualTLS' };

/** One route as Fastify registered it: what the document must cover. */
export interface RegisteredRoute {
  readonly method: string;
  /** Fastify's form: `/v1/pairing/requests/:id`. */
  readonly url: string;
}

/**
 * Registers @fastify/swagger and the route serving its document; call before any other route (both
 * learn routes from the onRoute hook). Returns every route registered after it, filled as they are.
 */
export async function installOpenApi(app: FastifyInstance): Promise<readonly RegisteredRoute[]> {
  // Route schemas are documentation only: zod in each route stays the one validator, and answers are
  // sent as the route built them, so Fastify must never reject, coerce, strip or reshape anything itself.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    // Fastify adds a HEAD route for every GET; it answers as the GET does, without a body.
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'writ control API', version: API_VERSION, description: 'The control host: agents pair through it, operators list agents, decide pairing requests and fan out pings and runs.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The API token, from api.token in the CA directory.' },
          controlCertificate,
        },
      },
    },
  });
  // Open to anyone: the document holds no secrets (no tokens, keys, agents or addresses), only the
  // shapes of requests and answers, and a client needs it before it has any credentials.
  app.get(OPENAPI_PATH, { schema: apiSchema({ summary: 'This OpenAPI document', tag: 'control', auth: 'none', responses: { 200: OpenApiDocumentSchema } }) }, () => app.swagger());
  return routes;
}
