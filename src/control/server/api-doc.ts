import { STATUS_CODES } from 'node:http';
import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { ErrorAnswerSchema, statusOfErrorCode } from './error-replies.js';

/** The groups the OpenAPI document sorts operations into. */
export type ApiTag = 'health' | 'pairing' | 'agents' | 'fleet' | 'runs' | 'control';

/**
 * What one operator-API route takes and answers, written once in zod beside the route. The zod
 * schemas stay the only validation (routes parse with them); their JSON Schema form is
 * documentation, served at /v1/openapi.json and checked against real answers in tests.
 */
export interface ApiRouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tag: ApiTag;
  /** 'operator': API token or the control certificate; 'pairing': an agent with no certificate yet; 'none': anyone. */
  readonly auth: 'operator' | 'pairing' | 'none';
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** JSON answers by status code. */
  readonly responses: Readonly<Record<number, z.ZodType>>;
  /** The route answers 200 with NDJSON: this is the schema of every line. */
  readonly ndjsonLine?: z.ZodType;
  /**
   * The WritError codes the route answers with, each under the status error-replies.ts gives it.
   * UNAUTHENTICATED (operator routes), REQUEST_INVALID (routes with a body) and INTERNAL are added.
   */
  readonly errors?: readonly string[];
}

type JsonSchema = Record<string, unknown>;

/** Requests are documented as zod takes them (defaults make fields optional), answers as zod gives them. */
const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });

const statusText = (status: number): string => STATUS_CODES[status] ?? `HTTP ${status}`;

/** ErrorAnswer narrowed to the codes one status carries, so the document says which codes to expect. */
function errorResponse(status: number, codes: readonly string[]): JsonSchema {
  const schema = jsonSchemaOf(z.object({ error: ErrorAnswerSchema.shape.error.extend({ code: z.enum(codes) }) }), 'output');
  return { description: `${statusText(status)}: ${codes.join(', ')}`, content: { 'application/json': { schema } } };
}

/** Error codes by the status they are answered with. */
function errorsByStatus(doc: ApiRouteDoc): Map<number, string[]> {
  const codes = new Set(doc.errors ?? []);
  if (doc.auth === 'operator') codes.add('UNAUTHENTICATED');
  if (doc.body) codes.add('REQUEST_INVALID');
  codes.add('INTERNAL');
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = statusOfErrorCode(code);
    // A code error-replies.ts does not know is answered as 500 INTERNAL: documenting it would mislead.
    if (status === 500 && code !== 'INTERNAL') throw new WritError('API_DOC_INVALID', `the route "${doc.summary}" documents ${code}, which error-replies.ts answers as INTERNAL`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  // Fastify's own refusals of a body (too large, not JSON) are answered with their status as REQUEST_INVALID.
  if (doc.body) for (const status of [413, 415]) byStatus.set(status, ['REQUEST_INVALID']);
  return byStatus;
}

/** The Fastify route schema that carries `doc` into the OpenAPI document. */
export function apiSchema(doc: ApiRouteDoc): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, codes] of errorsByStatus(doc)) response[String(status)] = errorResponse(status, codes);
  for (const [status, schema] of Object.entries(doc.responses)) response[status] = { description: statusText(Number(status)), content: { 'application/json': { schema: jsonSchemaOf(schema, 'output') } } };
  if (doc.ndjsonLine) response['200'] = { description: 'one JSON object per line, written as hosts answer', content: { 'application/x-ndjson': { schema: jsonSchemaOf(doc.ndjsonLine, 'output') } } };
  return {
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    tags: [doc.tag],
    ...(doc.auth === 'operator' ? { security: [{ bearer: [] }, { controlCertificate: [] }] } : { security: [] }),
    ...(doc.params ? { params: jsonSchemaOf(doc.params, 'input') } : {}),
    ...(doc.query ? { querystring: jsonSchemaOf(doc.query, 'input') } : {}),
    ...(doc.body ? { body: jsonSchemaOf(doc.body, 'input') } : {}),
    response,
  };
}
