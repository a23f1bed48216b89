import { WritError } from '../../core/errors.js';
import type { S3TransportOptions } from './options.js';

function invalid(field: string, why: string): WritError {
  return new WritError('CONFIG_INVALID', `s3.${field} ${why}`);
}

function checkPositiveMs(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw invalid(field, `must be a positive number of milliseconds (got ${value})`);
}

function checkPrefix(field: string, prefix: string): void {
  // A key starting with `/` is a different key from the same one without it: almost always a typo.
  if (prefix.startsWith('/')) throw invalid(field, `must not start with / (got "${prefix}")`);
  // Without the trailing `/`, `inbox` would also match `inbox-old/…`, and names would be glued to the prefix.
  if (prefix !== '' && !prefix.endsWith('/')) throw invalid(field, `must be empty or end with / (got "${prefix}")`);
}

/**
 * Throws CONFIG_INVALID naming the field when the options cannot work. The agent's config schema
 * checks the same things at the edge; this guards every other caller (tests, probes, embedders).
 */
export function checkS3Options(options: S3TransportOptions): void {
  if (options.bucket.length === 0) throw invalid('bucket', 'must not be empty');
  if (options.region.length === 0) throw invalid('region', 'must not be empty');
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) throw invalid('endpoint', `must be a URL such as http://127.0.0.1:9000 (got "${options.endpoint}")`);
  checkPositiveMs('pollMs', options.pollMs);
  checkPositiveMs('logFlushMs', options.logFlushMs);
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) throw invalid('maxBytes', `must be a positive whole number (got ${options.maxBytes})`);
  checkPrefix('inboxPrefix', options.inboxPrefix);
  checkPrefix('outboxPrefix', options.outboxPrefix);
  // Results must never be listed as writs, nor writs as results: each prefix owns its keys alone.
  // An empty prefix is a prefix of every key, so it overlaps any other one.
  if (options.inboxPrefix.startsWith(options.outboxPrefix) || options.outboxPrefix.startsWith(options.inboxPrefix)) {
    throw invalid('outboxPrefix', `"${options.outboxPrefix}" overlaps s3.inboxPrefix "${options.inboxPrefix}": neither may be a prefix of the other`);
  }
}
