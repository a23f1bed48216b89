import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { Agent } from 'node:https';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { WritError } from '../../core/errors.js';
import type { HostPort } from '../../core/host-port.js';
import { CONTROL_IDENTITY_URI, hasUriSubjectAltName } from '../../core/uri-sans.js';

/** OpenSSL's reasons when the two ends share no TLS version (the server stops at 1.2). */
const PROTOCOL_VERSION_ERRORS = new Set(['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/**
 * The pairing connection. Trust on first use: the agent cannot know the control host's CA yet, so it
 * verifies nothing here (`rejectUnauthorized: false`). Safety comes from elsewhere: the code both
 * screens show is bound to this very connection and both keys, so an operator comparing codes notices
 * a relay; and the CA the control host shows is pinned only after the operator has approved.
 */
export function openPairingConnection(target: HostPort, timeoutMs: number, signal?: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      // SNI takes names only; an IP address there is a protocol violation some servers reject.
      ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
      rejectUnauthorized: false,
      // The code rests on the TLS 1.3 exporter; older versions are refused before a byte is sent.
      minVersion: 'TLSv1.3',
      ...(signal === undefined ? {} : { signal }),
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS connection to ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code !== undefined && PROTOCOL_VERSION_ERRORS.has(err.code)) {
        reject(new WritError('PAIRING_TLS_TOO_OLD', `${target.host}:${target.port} does not speak TLS 1.3, which pairing needs`, { cause: err }));
      } else {
        reject(new WritError('PAIRING_UNREACHABLE', `cannot reach the control host at ${target.host}:${target.port}: ${err.message}`, { cause: err }));
      }
    });
  });
}

/** The certificate the control host presented on `socket`. */
export function presentedCertificate(socket: TLSSocket): X509Certificate {
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  if (raw === undefined || raw.length === 0) throw new WritError('PAIRING_NO_CERTIFICATE', 'the control host presented no certificate');
  return new X509Certificate(raw);
}

export function certificateFingerprint(cert: X509Certificate): string {
  return `sha256:${createHash('sha256').update(cert.raw).digest('hex')}`;
}

function untrusted(reason: string): WritError {
  return new WritError('PAIRING_CONTROL_UNTRUSTED', `the control host is not what it claims: ${reason}`);
}

/** The CA certificate the control host showed, parsed (not yet trusted: see checkShownControl). */
export function parseShownCa(caPem: string): X509Certificate {
  try {
    return new X509Certificate(caPem);
  } catch (err) {
    throw new WritError('PAIRING_CONTROL_UNTRUSTED', 'the CA certificate the control host showed does not parse', { cause: err });
  }
}

/**
 * Checks that the certificate the control host presented on the pairing connection is its own
 * control-host certificate from the CA it showed. This does not prove the CA is the right one (only
 * the operator's code comparison does); it keeps an agent from pinning a CA that does not even vouch
 * for the host it talked to.
 */
export function checkShownControl(ca: X509Certificate, presented: X509Certificate): void {
  // A leaf posing as the CA would let its holder vouch for nothing but itself; pinning it pins a host, not a fleet.
  if (!ca.ca) throw untrusted('the certificate it showed as its CA is not a CA certificate');
  // A CA certificate that is not self-signed is not a root the agent can pin on its own.
  if (!ca.verify(ca.publicKey)) throw untrusted('the CA certificate it showed is not self-signed');
  // The connection's certificate must come from the CA shown, or the two came from different hosts (a relay).
  if (!presented.checkIssued(ca) || !presented.verify(ca.publicKey)) throw untrusted('its TLS certificate was not issued by the CA it showed');
  // Any agent holds a certificate from the same CA; only the control host's carries writ:control.
  if (!hasUriSubjectAltName(presented, CONTROL_IDENTITY_URI)) throw untrusted(`its TLS certificate does not carry the URI ${CONTROL_IDENTITY_URI}`);
}

/** Why a later connection was refused by `pinnedAgent`, for the error the caller raises. */
export interface PinState {
  changed?: string;
}

/**
 * An HTTPS agent for the polls after the pairing request. New connections are fine now, but each
 * must lead to the same control host: its certificate must chain to the CA shown on the pairing
 * connection, and carry the same key as the certificate presented there. Otherwise a second party
 * could answer the polls (and hand over a certificate and CA of its choosing) after the operator
 * compared the code of the first connection. The exact key pin replaces the host name check.
 */
export function pinnedAgent(caPem: string, controlKey: KeyObject, pin: PinState): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: 1,
    // A resumed TLS session skips checkServerIdentity; every new connection must face the pin.
    maxCachedSessions: 0,
    ca: caPem,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const key = new X509Certificate(cert.raw).publicKey;
      if (key.equals(controlKey)) return undefined;
      pin.changed = 'the control host presented a different key than on the pairing connection';
      return new Error(pin.changed);
    },
  });
}
