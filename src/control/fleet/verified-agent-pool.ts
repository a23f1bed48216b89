import { Agent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { messageOf } from '../../core/errors.js';
import { FleetError } from './errors.js';
import { agentIdentityCheck, serialHexOf, type RevocationCheck } from './peer-identity.js';

export interface VerifiedAgentPoolOptions {
  /** The registered agent name its certificate must be bound to. */
  readonly name: string;
  readonly caPem: string;
  /** The control host's own client certificate and key. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly isRevoked: RevocationCheck;
  /** TCP connect + TLS handshake + revocation check; beyond it AGENT_UNREACHABLE. */
  readonly handshakeTimeoutMs: number;
}

type OnCreate = (err: Error | null, socket: Duplex) => void;

/** How long to wait for the agent's session ticket before sending anyway (an agent may issue none). */
const ACCEPTANCE_GRACE_MS = 500;

/**
 * Resolves once the agent has accepted our client certificate, as far as TLS 1.3 lets a client
 * know: its handshake ends before the server has judged our certificate, and a refusal arrives
 * after it as an alert. A session ticket is sent only after the server verified us, so waiting for
 * it turns a refusal into a handshake error (AGENT_TLS_REFUSED) instead of a request cut off by a
 * reset (indistinguishable from an agent that crashed), and no request is sent to a refusing agent.
 */
function serverAcceptance(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(grace);
      socket.off('session', onTicket);
      resolve();
    };
    const grace = setTimeout(done, ACCEPTANCE_GRACE_MS);
    // Out of the 'session' event: it fires inside OpenSSL's read, and a request written from
    // there (re-entering the TLS stream) is never flushed.
    const onTicket = (): void => {
      setImmediate(done);
    };
    socket.once('session', onTicket);
  });
}

/**
 * Keep-alive HTTPS connections to one agent, each handed to a request only after the handshake
 * proved the agent's identity and its certificate serial was found unrevoked. Node's http Agent
 * accepts a socket asynchronously through `createConnection`'s callback, so no request byte is
 * written to a connection before those checks pass.
 */
export class VerifiedAgentPool extends Agent {
  readonly #name: string;
  readonly #isRevoked: RevocationCheck;
  readonly #handshakeTimeoutMs: number;
  /** The certificate serial of every live connection, re-checked before each request. */
  readonly #serials = new Map<TLSSocket, string>();

  constructor(options: VerifiedAgentPoolOptions) {
    super({
      keepAlive: true,
      // Only our CA: a certificate from a public CA (or any other) must never pass for an agent.
      ca: options.caPem,
      cert: options.certPem,
      key: options.keyPem,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      checkServerIdentity: agentIdentityCheck(options.name),
      // No session resumption: Node skips checkServerIdentity on a resumed session (which proves
      // only the ticket key, not the agent's certificate key), and shows no certificate to look up.
      maxCachedSessions: 0,
    });
    this.#name = options.name;
    this.#isRevoked = options.isRevoked;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
  }

  override createConnection(options: RequestOptions, onCreate?: OnCreate): Duplex | null | undefined {
    const socket = super.createConnection(options);
    // Fail closed: without the callback the socket could only be handed over unchecked.
    if (!(socket instanceof TLSSocket) || onCreate === undefined) {
      socket?.destroy();
      throw new FleetError('AGENT_TLS_REFUSED', `agent ${this.#name}: the HTTPS agent did not produce a TLS socket to verify`);
    }
    let settled = false;
    const settle = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', settle);
      socket.off('close', onClose);
      socket.off('secureConnect', onSecure);
      if (err) {
        socket.destroy();
        onCreate(err, socket);
        return;
      }
      onCreate(null, socket);
    };
    const timer = setTimeout(() => {
      settle(new FleetError('AGENT_UNREACHABLE', `agent ${this.#name}: no verified TLS connection within ${this.#handshakeTimeoutMs} ms`));
    }, this.#handshakeTimeoutMs);
    let secure = false;
    const onClose = (): void => {
      // A Node agent refuses a client certificate by closing right after the handshake, without an
      // alert: a close before its session ticket means it saw our certificate and said no.
      const why = secure ? 'closed the connection right after the handshake: it refused our client certificate (another CA, expired, revoked, or not paired)' : 'closed the connection during the TLS handshake';
      settle(new FleetError('AGENT_TLS_REFUSED', `agent ${this.#name} ${why}`));
    };
    // Listening from the start: the ticket can arrive in the same read as the end of the handshake.
    const accepted = serverAcceptance(socket);
    const onSecure = (): void => {
      secure = true;
      Promise.all([this.#verifyRevocation(socket), accepted]).then(
        () => {
          settle(null);
        },
        (err: unknown) => {
          settle(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    socket.once('secureConnect', onSecure);
    socket.on('error', settle);
    socket.once('close', onClose);
    return undefined;
  }

  /**
   * Before a request reuses a kept-alive connection: a serial revoked since its handshake ends
   * every connection of this pool (AGENT_REVOKED), so revocation takes effect before the next
   * request, not only when the connection happens to close.
   */
  async assertNoRevokedPeers(): Promise<void> {
    for (const [socket, serial] of [...this.#serials]) {
      if (socket.destroyed) {
        this.#serials.delete(socket);
        continue;
      }
      await this.#checkSerial(serial);
    }
  }

  async #verifyRevocation(socket: TLSSocket): Promise<void> {
    const peer = socket.getPeerX509Certificate();
    // checkServerIdentity ran on this certificate; a missing one here means something is off.
    if (peer === undefined) throw new FleetError('AGENT_IDENTITY_MISMATCH', `agent ${this.#name}: no certificate after the handshake`);
    const serial = serialHexOf(peer);
    await this.#checkSerial(serial);
    this.#serials.set(socket, serial);
    socket.once('close', () => {
      this.#serials.delete(socket);
    });
  }

  async #checkSerial(serial: string): Promise<void> {
    let revoked: unknown;
    try {
      revoked = await this.#isRevoked(serial);
    } catch (err) {
      // Fail closed: a registry we cannot ask cannot vouch for the agent.
      throw new FleetError('AGENT_REVOCATION_UNKNOWN', `agent ${this.#name}: cannot check revocation of serial ${serial}: ${messageOf(err)}`, { cause: err });
    }
    // Strictly false admits: a check that returns anything else (undefined, say) has not said "not revoked".
    if (revoked !== false) {
      for (const socket of this.#serials.keys()) socket.destroy();
      this.#serials.clear();
      throw new FleetError('AGENT_REVOKED', `agent ${this.#name}: certificate serial ${serial} is revoked; nothing was sent`);
    }
  }
}
