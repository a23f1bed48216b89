import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * An object's bytes from s3rver, or undefined when there is none. s3rver (unlike S3) rewrites an
 * object's file in place, so a GET streaming it while the agent re-uploads a growing log is cut off
 * (ECONNRESET, "aborted"); such a read is tried again. Any other failure, or one that persists
 * through five attempts, is thrown.
 */
export async function readS3rverObject(client: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      if ((err as { code?: string }).code !== 'ECONNRESET' || attempt === 5) throw err;
    }
  }
}
