import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { WritError } from '../../core/errors.js';
import { checkS3Options } from './check-options.js';
import { createS3Client, describeLocation, describeS3Error, type ClientPatience } from './client.js';
import type { S3TransportOptions } from './options.js';

/** A self-check answers in seconds: one attempt, short timeouts. */
const PROBE_PATIENCE: ClientPatience = { maxAttempts: 1, connectionTimeoutMs: 5_000, socketTimeoutMs: 10_000 };

/**
 * `writ agent self-check`: lists one key of the inbox prefix (the agent's first request, and the
 * one that proves bucket, credentials and endpoint), writes and deletes nothing. Throws
 * TRANSPORT_UNAVAILABLE with the server's or the network's reason.
 */
export async function probeS3(options: S3TransportOptions): Promise<string> {
  checkS3Options(options);
  const client = createS3Client(options, PROBE_PATIENCE);
  const where = describeLocation(options, options.inboxPrefix);
  try {
    await client.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: options.inboxPrefix, Delimiter: '/' }));
  } catch (err) {
    throw new WritError('TRANSPORT_UNAVAILABLE', `${where}: ${describeS3Error(err)}`, { cause: err });
  } finally {
    client.destroy();
  }
  return `s3://${options.bucket}/${options.inboxPrefix} reachable (${options.endpoint !== undefined ? `endpoint ${options.endpoint}` : `AWS region ${options.region}`})`;
}
