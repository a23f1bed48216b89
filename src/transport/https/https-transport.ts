import { readFileSync } from 'node:fs';
import { Server as TlsServer, type SecureContextOptions } from 'node:tls';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { recoverCertificateSwap } from '../../core/cert-key-files.js';
import { WritError } from '../../core/errors.js';
import { maxWritBytesFor } from '../../core/writ-size.js';
import type { RunService, Transport } from '../port.js';
import { AgentCertificateRenewal } from './certificate-renewal.js';
import { registerCertificateRoutes } from './certificate-routes.js';
import { requireClientUri } from './client-role-guard.js';
import { registerRunRoutes } from './runs-routes.js';

export interface HttpsTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly certPath: string;
  readonly keyPath: string;
  /** When set, every client must present a certificate issued by this CA (mutual TLS). */
  readonly clientCaPath?: string;
  /**
   * With `clientCaPath`: the URI subjectAltName every client certificate must carry (the control
   * host's `writ:control`); required then, because the same CA also certifies every agent.
   */
  readonly requiredClientUri?: string;
  readonly maxBodyBytes: number;
}


/** HTTPS only: the agent never serves plain HTTP, even on loopback. */
export class HttpsTransport implements Transport {
  readonly name = 'https';
  private app: FastifyInstance | null = null;
  private boundPort = 0;

  constructor(private readonly options: HttpsTransportOptions) {}

  get port(): number {
    return this.boundPort;
  }

  async start(service: RunService): Promise<void> {
    const o = this.options;
    // Fail closed: a client CA without a required role would let any agent of that CA drive this one.
    if (o.clientCaPath !== undefined && !o.requiredClientUri) throw new WritError('CONFIG_INVALID', 'https: a client CA needs the URI its client certificates must carry (https.clientUri)');
    const read = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new WritError('CONFIG_INVALID', `https.${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    };
    // A renewal cut off by a crash is finished or undone before the pair is read.
    recoverCertificateSwap({ cert: o.certPath, key: o.keyPath });
    const clientCa = o.clientCaPath === undefined ? undefined : read(o.clientCaPath, 'clientCa');
    const tlsOptions = (cert: Buffer | string, key: Buffer | string): SecureContextOptions => ({ cert, key, minVersion: 'TLSv1.2', ...(clientCa ? { ca: clientCa } : {}) });
    const app = Fastify({
      logger: false,
      bodyLimit: maxWritBytesFor(o.maxBodyBytes),
      https: {
        ...tlsOptions(read(o.certPath, 'cert'), read(o.keyPath, 'key')),
        // With a client CA, a client without a certificate from it never completes the handshake.
        ...(clientCa ? { requestCert: true, rejectUnauthorized: true } : {}),
      },
    });
    // Any non-multipart body is the raw .writ: curl --data-binary sends form-urlencoded by default.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });
    if (clientCa !== undefined && o.requiredClientUri) {
      requireClientUri(app, o.requiredClientUri);
      const server: unknown = app.server;
      // Fail closed: without a TLS server to swap the context of, a renewed certificate could not be served.
      if (!(server instanceof TlsServer)) throw new WritError('CONFIG_INVALID', 'https: the server is not a TLS server');
      // Only behind the role guard: nobody but the control host may replace this agent's certificate.
      registerCertificateRoutes(app, new AgentCertificateRenewal({ cert: o.certPath, key: o.keyPath }, clientCa.toString('utf8'), (cert, key) => { server.setSecureContext(tlsOptions(cert, key)); }));
    }
    await app.register(multipart);
    registerRunRoutes(app, service, this.name, o.maxBodyBytes);
    await app.listen({ host: o.host, port: o.port });
    const address = app.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : o.port;
    this.app = app;
  }

  describe(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `https://${host}:${this.boundPort}`;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = null;
    if (app) await app.close();
  }
}
