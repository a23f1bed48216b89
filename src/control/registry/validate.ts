import { RegistryError } from './errors.js';
import type { Instant } from './records.js';
import { COMMON_NAME_PATTERN } from '../pki/names.js';

/**
 * Field checks at the registry's edge. Values reach the registry from agents (names, CSRs) and
 * operators (tags, addresses), so a bad value is RECORD_INVALID, which the API can report as 400.
 * Identity fields are brought to one canonical spelling here, so the database's uniqueness rules
 * compare what they are meant to compare.
 */

// The name a certificate is bound to: the PKI's rule, so the registry never holds a name the CA would refuse.
const AGENT_NAME = COMMON_NAME_PATTERN;
/** RFC 5280 §4.1.2.2: at most 20 octets. */
const MAX_SERIAL_HEX_DIGITS = 40;
const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 128;
const MAX_VERSION_LENGTH = 128;
/** A CSR or a certificate chain fits easily; an agent must not be able to park megabytes in the database. */
const MAX_PEM_LENGTH = 64 * 1024;
const PAIRING_CODE = /^[A-Za-z0-9-]{4,32}$/;
/** A bracketed IPv6 literal, or a host name / IPv4 address, then a port. */
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})):([0-9]{1,5})$/;
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}]/u;

export function invalid(message: string): RegistryError {
  return new RegistryError('RECORD_INVALID', message);
}

/** Untrusted text made safe to echo in one line of an error message. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value;
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return shown.replace(/[\p{Cc}\p{Cf}]/gu, '?');
}

export function isAgentName(name: unknown): name is string {
  return typeof name === 'string' && AGENT_NAME.test(name);
}

export function checkAgentName(name: unknown): string {
  // The name is bound into the agent's certificate and shown to operators: no separators,
  // wildcards or control characters, exactly as the CA requires of a common name.
  if (!isAgentName(name)) throw invalid(`agent name "${printable(name)}" must match ${String(AGENT_NAME)}`);
  return name;
}

/**
 * Lower-case hex without colons or leading zeros. `0A:1b` and `a1B` are the same certificate
 * serial; only one spelling may reach the PRIMARY KEY, or a reused serial would slip past it.
 */
export function canonicalSerial(serial: unknown): string {
  const hex = typeof serial === 'string' ? serial.replaceAll(':', '').toLowerCase() : '';
  const digits = hex.replace(/^0+/, '');
  if (!/^[0-9a-f]+$/.test(hex) || digits === '' || digits.length > MAX_SERIAL_HEX_DIGITS) {
    throw invalid(`certificate serial "${printable(serial)}" must be a positive hex number of at most 20 octets`);
  }
  return digits;
}

/** 64 lower-case hex digits; the `AB:CD:…` form of `X509Certificate.fingerprint256` is accepted. */
export function canonicalFingerprint(fingerprint: unknown): string {
  const hex = typeof fingerprint === 'string' ? fingerprint.replaceAll(':', '').toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) throw invalid(`fingerprint "${printable(fingerprint)}" must be a SHA-256 digest in hex`);
  return hex;
}

/**
 * The ISO-8601 UTC spelling of an instant. SQLite compares stored times as text, which is time
 * order only when every value has this one fixed-width form.
 */
export function isoInstant(value: Instant, what: string): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${what} must be a valid Date or ISO-8601 string`);
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw invalid(`${what} must fall in the years 0000 to 9999`);
  return iso;
}

export function checkTag(tag: unknown): string {
  // Any printable text is a tag (queries bind it, never splice it), but control characters would
  // let a tag rewrite the line an operator reads.
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH || CONTROL_CHARACTERS.test(tag)) {
    throw invalid(`tag "${printable(tag)}" must be 1 to ${MAX_TAG_LENGTH} printable characters`);
  }
  return tag;
}

/** Checked tags, duplicates dropped, first occurrence's order kept. */
export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw invalid('tags must be an array of strings');
  const unique = [...new Set((tags as unknown[]).map(checkTag))];
  if (unique.length > MAX_TAGS) throw invalid(`an agent has at most ${MAX_TAGS} tags`);
  return unique;
}

export function checkAddress(address: unknown): string {
  // The control host dials this: anything beyond host:port (a path, user info, a second host)
  // could point its requests somewhere the operator never approved.
  const match = typeof address === 'string' ? ADDRESS.exec(address) : null;
  const port = Number(match?.[1] ?? 0);
  if (match === null || port < 1 || port > 65535) throw invalid(`address "${printable(address)}" must be host:port (IPv6 in brackets)`);
  return address as string;
}

export function checkVersion(version: unknown): string | null {
  if (version === null) return null;
  if (typeof version !== 'string' || version.length === 0 || version.length > MAX_VERSION_LENGTH || CONTROL_CHARACTERS.test(version)) {
    throw invalid(`version "${printable(version)}" must be 1 to ${MAX_VERSION_LENGTH} printable characters`);
  }
  return version;
}

/** A bounded PEM text. Parsing and verifying it is the CA's business; the registry stores it. */
export function checkPem(pem: unknown, label: string, what: string): string {
  if (typeof pem !== 'string' || pem.length > MAX_PEM_LENGTH || !pem.includes(`-----BEGIN ${label}-----`)) {
    throw invalid(`${what} must be a PEM ${label} of at most ${MAX_PEM_LENGTH} characters`);
  }
  return pem;
}

export function isPairingCode(code: unknown): code is string {
  return typeof code === 'string' && PAIRING_CODE.test(code);
}

export function checkPairingCode(code: unknown): string {
  if (!isPairingCode(code)) throw invalid(`pairing code "${printable(code)}" must match ${String(PAIRING_CODE)}`);
  return code;
}

/** `now` arguments: a valid Date, as the ISO string the queries compare with. */
export function isoNow(now: unknown): string {
  if (!(now instanceof Date)) throw invalid('now must be a Date');
  return isoInstant(now, 'now');
}
