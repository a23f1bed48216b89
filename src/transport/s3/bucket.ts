import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { WritError } from '../../core/errors.js';
import { describeS3Error, isMissingKey } from './client.js';

export interface ListedObject {
  readonly key: string;
  /** As listed; the object may be replaced before it is read, so reads are bounded on their own too. */
  readonly size: number;
}

export type CappedRead = { readonly kind: 'bytes'; readonly bytes: Buffer } | { readonly kind: 'too-large'; readonly seen: number } | { readonly kind: 'missing' };

/**
 * The few object operations the transport needs, on one bucket. Every failure becomes a WritError
 * TRANSPORT_UNAVAILABLE naming the operation and the key, so the agent's log says what was tried.
 */
export class Bucket {
  constructor(
    private readonly client: S3Client,
    readonly name: string,
  ) {}

  /** Every object under `prefix`, page by page; with a delimiter, deeper keys are folded away unlisted. */
  async *list(prefix: string, delimiter?: '/'): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.attempt(`listing ${this.url(prefix)}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      }
      // A truncated page without a token would loop for ever on a buggy server: stop there instead.
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Reads at most `limit + 1` bytes of an object: an object larger than the limit is never held whole. */
  async readCapped(key: string, limit: number): Promise<CappedRead> {
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
    } catch (err) {
      // Taken back by its writer (or by another agent) since it was listed: nothing to do.
      if (isMissingKey(err)) return { kind: 'missing' };
      throw this.failure(`reading ${this.url(key)}`, err);
    }
    const body = output.Body;
    if (body === undefined) return { kind: 'bytes', bytes: Buffer.alloc(0) };
    if (!(body instanceof Readable)) throw new WritError('TRANSPORT_UNAVAILABLE', `reading ${this.url(key)}: the S3 client returned no Node.js stream`);
    // The declared length is checked first, so an oversized object costs no transfer at all.
    if (output.ContentLength !== undefined && output.ContentLength > limit) {
      body.destroy();
      return { kind: 'too-large', seen: output.ContentLength };
    }
    return this.collect(body, key, limit);
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await this.attempt(`writing ${this.url(key)}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: contentType })),
    );
  }

  /** Deleting a key that is already gone succeeds, as S3 itself does. */
  async delete(key: string): Promise<void> {
    await this.attempt(`deleting ${this.url(key)}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })));
  }

  url(key: string): string {
    return `s3://${this.name}/${key}`;
  }

  private async collect(body: Readable, key: string, limit: number): Promise<CappedRead> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of body) {
        const piece: unknown = chunk;
        if (!Buffer.isBuffer(piece)) throw new WritError('TRANSPORT_UNAVAILABLE', `reading ${this.url(key)}: the body stream yielded text, not bytes`);
        chunks.push(piece);
        total += piece.length;
        // Leaving the loop destroys the stream: the rest of the object is never transferred.
        if (total > limit) return { kind: 'too-large', seen: total };
      }
    } catch (err) {
      if (err instanceof WritError) throw err;
      throw this.failure(`reading ${this.url(key)}`, err);
    }
    return { kind: 'bytes', bytes: Buffer.concat(chunks, total) };
  }

  private async attempt<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  private failure(what: string, err: unknown): WritError {
    return new WritError('TRANSPORT_UNAVAILABLE', `${what}: ${describeS3Error(err)}`, { cause: err });
  }
}
