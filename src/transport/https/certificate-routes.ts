import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import type { AgentCertificateRenewal } from './certificate-renewal.js';
import { CERTIFICATE_PATH, InstallCertificateSchema, RENEWAL_PATH, RenewalRequestSchema } from './renewal-messages.js';

/** HTTP status of each refusal: the control host tells "start over" from "you sent something wrong". */
const STATUS: Readonly<Record<string, number>> = { REQUEST_INVALID: 400, RENEWAL_NOT_PENDING: 409 };

function bodyOf<T>(schema: z.ZodType<T>, raw: unknown): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '') as unknown;
  } catch {
    throw new WritError('REQUEST_INVALID', 'the body must be JSON');
  }
  return parseInput(schema, value);
}

function refuse(reply: FastifyReply, err: unknown): FastifyReply {
  // Fail closed: anything unexpected is a refusal too, never an installed certificate.
  const code = err instanceof WritError ? err.code : 'RENEWAL_FAILED';
  const message = err instanceof Error ? err.message : String(err);
  return reply.code(STATUS[code] ?? 422).send({ error: { code, message } });
}

/**
 * Renewal routes of a paired agent. Registered only with mutual TLS and the control role guard,
 * so nothing but the control host's certificate reaches them.
 */
export function registerCertificateRoutes(app: FastifyInstance, renewal: AgentCertificateRenewal): void {
  app.get(CERTIFICATE_PATH, (_request, reply) => reply.send(renewal.served()));

  app.post(RENEWAL_PATH, (request, reply) => {
    try {
      const { challenge } = bodyOf(RenewalRequestSchema, request.body);
      return reply.send(renewal.offer(Buffer.from(challenge, 'base64')));
    } catch (err) {
      return refuse(reply, err);
    }
  });

  app.put(CERTIFICATE_PATH, (request, reply) => {
    try {
      const { certificate } = bodyOf(InstallCertificateSchema, request.body);
      return reply.send(renewal.install(certificate));
    } catch (err) {
      return refuse(reply, err);
    }
  });
}
