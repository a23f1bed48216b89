import { Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { recoverCertificateSwap } from '../../core/cert-key-files.js';
import { WritError } from '../../core/errors.js';
import { formatHostPort, type HostPort } from '../../core/host-port.js';
import { loadCa } from '../pki/index.js';
import { readCaFile } from '../pki/ca-layout.js';
import type { Registry } from '../registry/index.js';
import { DEFAULT_AGENT_VALIDITY_DAYS } from './agent-certificate.js';
import { registerAgentPairingRoutes } from './agent-routes.js';
import { API_TOKEN_FILE, loadOrCreateApiToken } from './api-token.js';
import type { ControlContext } from './context.js';
import { installErrorHandler } from './error-replies.js';
import { createControlLogger, type ControlLogger } from './logger.js';
import { installOpenApi, type RegisteredRoute } from './openapi.js';
import { operatorRoutes, purgeExpired } from './operator-routes.js';
import { PairingWindow } from './pairing-window.js';
import { fleetRoutes } from './fleet-routes.js';
import { FleetRunJobs } from './fleet-run-jobs.js';
import { runRoutes } from './run-routes.js';
import type { AuthHookOptions } from '../auth-hook/index.js';
import { FleetClients } from '../fleet/index.js';
import { DEFAULT_RENEWAL_CHECK_MS, RenewalSweep } from '../renewal/index.js';
import { agentAdminRoutes } from './agent-admin-routes.js';

export const DEFAULT_PAIRING_TTL_MS = 10 * 60_000;
const PURGE_INTERVAL_MS = 60_000;
/** Pairing requests and operator calls are small; a CSR is the largest thing anyone sends. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface ControlServerOptions {
  /** The CA directory (`writ control init --dir`): ca.pem, control.pem, control.key, ... */
  readonly caDir: string;
  /** Port 0 picks a free port; `address` tells which. */
  readonly listen: HostPort;
  /** Opened and closed by the caller. */
  readonly registry: Registry;
  readonly pairingTtlMs?: number;
  /** Default `<caDir>/api.token`, created when missing. */
  readonly tokenPath?: string;
  readonly agentValidityDays?: number;
  readonly log?: ControlLogger;
  /** Asked before every fleet run and ping; absent: the operator's token or certificate is enough. */
  readonly authHook?: AuthHookOptions;
  /** Runs once the server listens and before `control.started` is logged (`writ control serve` writes server.json here, so whoever sees the log line finds the file). */
  readonly onListening?: (address: string) => void;
  /** How often agents are asked whether their certificate needs renewing. Default one hour. */
  readonly renewalCheckMs?: number;
}

/** The control host's HTTPS server: agents pair through it, operators drive it through its API. */
export class ControlServer {
  readonly #app: FastifyInstance;
  readonly #purgeTimer: NodeJS.Timeout;
  readonly #clients: FleetClients;
  /** Set once started: renews agent certificates on a timer. */
  #sweep: RenewalSweep | null = null;
  /** Set once started: the fan-outs to stop (not cancel) when the server closes. */
  #jobs: FleetRunJobs | null = null;
  /** `https://host:port` as bound. */
  readonly address: string;
  /** Every route the server answers (HEAD aside): the OpenAPI document must describe each. */
  readonly routes: readonly RegisteredRoute[];

  private constructor(app: FastifyInstance, purgeTimer: NodeJS.Timeout, clients: FleetClients, address: string, routes: readonly RegisteredRoute[]) {
    this.#app = app;
    this.#purgeTimer = purgeTimer;
    this.#clients = clients;
    this.address = address;
    this.routes = routes;
  }

  static async start(options: ControlServerOptions): Promise<ControlServer> {
    const log = options.log ?? createControlLogger();
    const ca = loadCa(options.caDir);
    // A rotation cut off by a crash is finished or undone before the pair is read.
    recoverCertificateSwap({ cert: ca.paths.controlCert, key: ca.paths.controlKey });
    const controlCertPem = readCaFile(ca.paths.controlCert);
    const controlKeyPem = readCaFile(ca.paths.controlKey);
    const pairingTtlMs = options.pairingTtlMs ?? DEFAULT_PAIRING_TTL_MS;
    // A zero or negative lifetime would make every request expire before an operator could see it.
    if (!Number.isSafeInteger(pairingTtlMs) || pairingTtlMs < 1000) throw new WritError('OPTION_INVALID', `the pairing TTL must be at least 1 s, got ${pairingTtlMs} ms`);
    const ctx: ControlContext = {
      ca,
      registry: options.registry,
      window: new PairingWindow(),
      pairingTtlMs,
      agentValidityDays: options.agentValidityDays ?? DEFAULT_AGENT_VALIDITY_DAYS,
      apiToken: loadOrCreateApiToken(options.tokenPath ?? join(options.caDir, API_TOKEN_FILE)),
      log,
    };
    const app = Fastify({
      logger: false,
      bodyLimit: BODY_LIMIT_BYTES,
      https: {
        cert: controlCertPem,
        key: controlKeyPem,
        // The pairing code rests on the TLS 1.3 exporter; nothing older is spoken at all.
        minVersion: 'TLSv1.3',
        // Client certificates are asked for but not required: an agent asking to pair has none yet.
        // Node still verifies any certificate offered against our CA and records the outcome in
        // `socket.authorized`; every route that needs a client identity checks that itself
        // (operator-auth.ts), so an unverified certificate never counts as an identity.
        ca: ca.caCertPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
    });
    installErrorHandler(app, log);
    const routes = await installOpenApi(app);
    registerAgentPairingRoutes(app, ctx);
    await app.register(operatorRoutes(ctx));
    // Towards agents the control host presents its own certificate (writ:control) and trusts only its CA.
    const clients = new FleetClients({ caPem: ca.caCertPem, certPem: controlCertPem, keyPem: controlKeyPem, isRevoked: (serial) => options.registry.isSerialRevoked(serial) });
    const jobs = new FleetRunJobs(log);
    await app.register(fleetRoutes({ registry: options.registry, clients, authHook: options.authHook ?? null, apiToken: ctx.apiToken, log, jobs }));
    await app.register(runRoutes({ registry: options.registry, clients, apiToken: ctx.apiToken, log, jobs }));
    const renewalCheckMs = options.renewalCheckMs ?? DEFAULT_RENEWAL_CHECK_MS;
    // A tiny interval would hammer every agent; a huge one would let certificates lapse unnoticed.
    if (!Number.isSafeInteger(renewalCheckMs) || renewalCheckMs < 1000 || renewalCheckMs > 7 * 86_400_000) throw new WritError('OPTION_INVALID', `the renewal check interval must be 1 s to 7 days, got ${renewalCheckMs} ms`);
    const sweep = new RenewalSweep({ ca, registry: options.registry, validityDays: ctx.agentValidityDays, clients, log, intervalMs: renewalCheckMs });
    const tlsServer: unknown = app.server;
    // Fail closed: a rotation the listening server cannot take up would leave it presenting the old key.
    if (!(tlsServer instanceof TlsServer)) throw new WritError('OPTION_INVALID', 'the control server is not a TLS server');
    const useControlCertificate = (certPem: string, keyPem: string): void => {
      tlsServer.setSecureContext({ cert: certPem, key: keyPem, ca: ca.caCertPem, minVersion: 'TLSv1.3' });
      clients.setIdentity(certPem, keyPem);
    };
    await app.register(agentAdminRoutes({ ca, registry: options.registry, clients, sweep, apiToken: ctx.apiToken, log, useControlCertificate }));
    await app.listen({ host: options.listen.host, port: options.listen.port });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : options.listen.port;
    const address = `https://${formatHostPort({ host: options.listen.host, port })}`;
    const purgeTimer = setInterval(() => {
      purgeExpired(ctx, new Date()).catch((err: unknown) => {
        log.error({ event: 'pairing.purge_failed', message: err instanceof Error ? err.message : String(err) });
      });
    }, PURGE_INTERVAL_MS);
    purgeTimer.unref();
    options.onListening?.(address);
    log.info({ event: 'control.started', address, caFingerprint: ca.fingerprint });
    const server = new ControlServer(app, purgeTimer, clients, address, routes);
    server.#jobs = jobs;
    server.#sweep = sweep;
    return server;
  }

  /** Stops accepting connections and waits for requests in flight; the registry stays open. */
  async close(): Promise<void> {
    clearInterval(this.#purgeTimer);
    this.#sweep?.stop();
    // Detached fan-outs stop waiting for their agents (the runs go on there) before the registry goes.
    await this.#jobs?.shutdown();
    await this.#app.close();
    this.#clients.close();
  }
}
