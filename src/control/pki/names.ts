import { isIP } from 'node:net';
import { PkiError } from './errors.js';

/**
 * The names that go into certificates, validated once here so the builder only ever sees clean
 * values: a name the verifier would read differently from how we wrote it is a name we did not mean
 * to certify.
 */

/** Common names of agents and of the control host (the same pattern a CSR must match). */
export const COMMON_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

/** A DNS label: letters, digits and inner hyphens, at most 63 characters (RFC 1123). */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Longest DNS name (RFC 1035 §2.3.4, without the root dot). */
const MAX_DNS_NAME_LENGTH = 253;

/** Longest CA name: X.520's upper bound for a common name (ub-common-name). */
const MAX_CA_NAME_LENGTH = 64;

/** The URI SAN that marks the control host's own certificate: agents accept client certificates only with it. */
export const CONTROL_URI = 'writ:control';

/** The URI SAN that binds a certificate to one registered agent name. */
export function hostNameUri(hostName: string): string {
  return `writ:host:${hostName}`;
}

/** Checks a certificate common name (and agent host name), returning it unchanged. */
export function checkCommonName(name: string, what = 'common name'): string {
  // The name ends up in a URI SAN and in the registry; anything outside the pattern could smuggle
  // separators, wildcards or control characters into either.
  if (!COMMON_NAME_PATTERN.test(name)) {
    throw new PkiError('OPTION_INVALID', `${what} "${printable(name)}" must match ${String(COMMON_NAME_PATTERN)}`);
  }
  return name;
}

/** Checks the CA's display name: printable text, no control characters, at most 64 characters. */
export function checkCaName(name: string): string {
  // Control characters in a subject mislead people reading `openssl x509 -text` or a log line.
  if (name.length === 0 || name.length > MAX_CA_NAME_LENGTH || /[\p{Cc}\p{Cf}]/u.test(name) || name.trim() !== name) {
    throw new PkiError('OPTION_INVALID', `CA name "${printable(name)}" must be 1 to ${MAX_CA_NAME_LENGTH} printable characters without surrounding spaces`);
  }
  return name;
}

/** A DNS name for the SAN, lower-cased (DNS compares without case). Wildcards are refused. */
export function normalizeDnsName(name: string): string {
  const lower = name.toLowerCase();
  const labels = lower.split('.');
  // Wildcards, empty labels and underscores are refused: one certificate must name exact hosts.
  if (lower.length === 0 || lower.length > MAX_DNS_NAME_LENGTH || !labels.every((label) => DNS_LABEL.test(label))) {
    throw new PkiError('OPTION_INVALID', `"${printable(name)}" is not a DNS name (letters, digits, hyphens, dots; no wildcards)`);
  }
  return lower;
}

/**
 * An IP address for the SAN in its canonical spelling (IPv6 compressed, IPv4-mapped addresses in
 * hex). The ASN.1 library's own parser misreads embedded IPv4 forms, so it only ever sees these.
 */
export function normalizeIp(address: string): string {
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) {
    try {
      return new URL(`http://[${address}]`).hostname.slice(1, -1);
    } catch {
      // Zone indices (fe80::1%eth0) are local to one host and have no place in a certificate.
    }
  }
  throw new PkiError('OPTION_INVALID', `"${printable(address)}" is not an IPv4 or IPv6 address`);
}

/** Normalized, de-duplicated DNS names, in the order given. */
export function normalizeDnsNames(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizeDnsName))];
}

/** Normalized, de-duplicated IP addresses, in the order given. */
export function normalizeIps(addresses: readonly string[]): string[] {
  return [...new Set(addresses.map(normalizeIp))];
}

/** Untrusted text made safe to echo in one line of an error message. */
export function printable(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return shown.replace(/[\p{Cc}\p{Cf}]/gu, '?');
}
