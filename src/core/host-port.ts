import { WritError } from './errors.js';

export interface HostPort {
  /** Host name or IP address; IPv6 without its brackets. */
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port` or `[ipv6]:port` -> parts. Port 0 is accepted only when `allowZero` (listening on
 * "any free port"); dialing port 0 is always a mistake. `what` names the value in errors.
 */
export function parseHostPort(text: string, what: string, allowZero = false): HostPort {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]@]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3] ?? -1);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || port > 65535 || port < (allowZero ? 0 : 1)) {
    throw new WritError('OPTION_INVALID', `${what} must be host:port (IPv6 in brackets), got "${text.slice(0, 80)}"`);
  }
  return { host, port };
}

/** The inverse of parseHostPort: IPv6 addresses get their brackets back. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
