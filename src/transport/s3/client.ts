import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3TransportOptions } from './options.js';

/** How patient a client is: the transport retries and waits; a probe answers fast. */
export interface ClientPatience {
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  /** The most a socket may stay silent mid-request before the request fails (a hung server must not stall polling). */
  readonly socketTimeoutMs: number;
}

export const TRANSPORT_PATIENCE: ClientPatience = { maxAttempts: 3, connectionTimeoutMs: 10_000, socketTimeoutMs: 60_000 };

export function createS3Client(options: S3TransportOptions, patience: ClientPatience): S3Client {
  // The SDK warns once per process that it will drop Node 20, which writ supports on purpose: the
  // warning would land on stderr of every agent and CLI run. An operator's explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    // S3-compatible servers (s3rver, older MinIO and Ceph) do not handle the CRC32 checksum trailers
    // the SDK adds by default; checksums only where the API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: patience.maxAttempts,
    requestHandler: { connectionTimeout: patience.connectionTimeoutMs, socketTimeout: patience.socketTimeoutMs },
  });
}

/** `s3://bucket/prefix`, plus the endpoint when it is not AWS's: for logs and self-check lines. */
export function describeLocation(options: S3TransportOptions, prefix: string): string {
  const where = `s3://${options.bucket}/${prefix}`;
  return options.endpoint !== undefined ? `${where} at ${options.endpoint}` : where;
}

/** One line for people: the S3 error code and status, or the network error under the SDK's wrapping. */
export function describeS3Error(err: unknown): string {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    return `${err.name}${status !== undefined ? ` (HTTP ${status})` : ''}: ${err.message}`;
  }
  // Node's happy-eyeballs connect fails with an AggregateError whose own message is empty.
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describeS3Error).join('; ');
  if (err instanceof Error) return err.message || ((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

/** The key is not there (deleted meanwhile); a missing bucket is a fault, not an absent object. */
export function isMissingKey(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NoSuchKey' || (err.$metadata.httpStatusCode === 404 && err.name !== 'NoSuchBucket');
}
