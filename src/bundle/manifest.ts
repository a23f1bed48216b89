import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.js';
import { RUN_LIMIT_BOUNDS } from '../core/run-limit-bounds.js';
import { BundleError } from './errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT_VERSION = 1;

export type ManifestLanguage = 'javascript' | 'typescript' | 'rhai';

/** Manifest limits use the `writ run` flag names in camelCase; the host caps each of them. */
export interface ManifestLimits {
  readonly timeout?: number;
  readonly memory?: number;
  readonly maxOps?: number;
  readonly maxOutput?: number;
}

/** manifest.json, validated: every field typed and in range. */
export interface Manifest {
  readonly formatVersion: 1;
  readonly id: string;
  /** base64url, at least 128 random bits: the replay store's key. */
  readonly nonce: string;
  readonly createdAt: Date;
  readonly notBefore: Date;
  readonly expiresAt: Date;
  readonly entry: string;
  readonly language: ManifestLanguage;
  /** Host names and `tag:NAME` entries; empty means any host that trusts the signer. */
  readonly audience: readonly string[];
  readonly limits: ManifestLimits;
}

const FIELDS = ['formatVersion', 'id', 'nonce', 'createdAt', 'notBefore', 'expiresAt', 'entry', 'language', 'audience', 'limits'];
const LIMIT_FIELDS: Readonly<Record<keyof ManifestLimits, readonly [number, number]>> = {
  timeout: RUN_LIMIT_BOUNDS.timeoutMs,
  memory: RUN_LIMIT_BOUNDS.memoryMiB,
  maxOps: RUN_LIMIT_BOUNDS.maxOps,
  maxOutput: RUN_LIMIT_BOUNDS.maxOutputBytes,
};
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const AUDIENCE_ENTRY = /^(?:tag:)?[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const MAX_AUDIENCE = 256;

const bad = (field: string, why: string): BundleError => new BundleError('MALFORMED', `${MANIFEST_FILE}: field "${field}" ${why}`);

function text(obj: JsonObject, field: string, maxLength = 256): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) throw bad(field, `must be a non-empty string of at most ${maxLength} characters`);
  return v;
}

function timestamp(obj: JsonObject, field: string): Date {
  const v = text(obj, field, 40);
  const d = new Date(v);
  // Only explicit UTC: a local-time or partial date would be read differently on another host.
  if (!ISO_UTC.test(v) || Number.isNaN(d.getTime())) throw bad(field, 'must be an ISO 8601 UTC timestamp like 2026-01-02T03:04:05Z');
  return d;
}

function limits(value: JsonValue | undefined): ManifestLimits {
  if (value === undefined) return {};
  if (!isJsonObject(value)) throw bad('limits', 'must be an object');
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) {
    const range = LIMIT_FIELDS[key as keyof ManifestLimits] as readonly [number, number] | undefined;
    // Unknown limits are refused, not ignored: the signer meant some bound we would not enforce.
    if (!range) throw bad(`limits.${key}`, `is not a known limit (${Object.keys(LIMIT_FIELDS).join(', ')})`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < range[0] || v > range[1]) {
      throw bad(`limits.${key}`, `must be a whole number from ${range[0]} to ${range[1]}`);
    }
    out[key] = v;
  }
  return out;
}

function audience(value: JsonValue | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_AUDIENCE) throw bad('audience', `must be an array of at most ${MAX_AUDIENCE} host names or tag:NAME entries`);
  return value.map((v, i) => {
    if (typeof v !== 'string' || !AUDIENCE_ENTRY.test(v)) throw bad(`audience[${i}]`, 'must be a host name or tag:NAME');
    return v;
  });
}

/** Parses and validates manifest.json. Unknown fields are refused: a verifier must never skip a constraint. */
export function parseManifest(bytes: Uint8Array): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new BundleError('MALFORMED', `${MANIFEST_FILE}: not valid UTF-8 JSON`, { cause: err });
  }
  if (!isJsonObject(parsed)) throw new BundleError('MALFORMED', `${MANIFEST_FILE}: must be a JSON object`);
  const unknown = Object.keys(parsed).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw bad(unknown, 'is not a manifest field (is this writ newer than this verifier?)');
  if (parsed.formatVersion !== MANIFEST_FORMAT_VERSION) throw bad('formatVersion', `must be ${MANIFEST_FORMAT_VERSION}`);
  const nonce = text(parsed, 'nonce', 128);
  // 22 base64url characters carry 128 bits: anything shorter could repeat by chance.
  if (!BASE64URL.test(nonce) || nonce.length < 22) throw bad('nonce', 'must be base64url of at least 128 random bits');
  const language = text(parsed, 'language', 16);
  if (language !== 'javascript' && language !== 'typescript' && language !== 'rhai') throw bad('language', 'must be javascript, typescript or rhai');
  const manifest: Manifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    id: text(parsed, 'id', 128),
    nonce,
    createdAt: timestamp(parsed, 'createdAt'),
    notBefore: timestamp(parsed, 'notBefore'),
    expiresAt: timestamp(parsed, 'expiresAt'),
    entry: text(parsed, 'entry', 255),
    language,
    audience: audience(parsed.audience),
    limits: limits(parsed.limits),
  };
  if (manifest.expiresAt.getTime() <= manifest.notBefore.getTime()) throw bad('expiresAt', 'must be later than notBefore');
  return manifest;
}

/** The JSON form written by `writ seal` (timestamps as ISO strings). */
export function manifestToJson(m: Manifest): JsonObject {
  return {
    formatVersion: m.formatVersion,
    id: m.id,
    nonce: m.nonce,
    createdAt: m.createdAt.toISOString(),
    notBefore: m.notBefore.toISOString(),
    expiresAt: m.expiresAt.toISOString(),
    entry: m.entry,
    language: m.language,
    audience: [...m.audience],
    limits: { ...m.limits },
  };
}
