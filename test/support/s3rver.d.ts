/** s3rver ships no types: only what writ's tests use of it (an in-process S3-compatible server). */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    /** 0: any free port; `run()` says which. */
    port?: number;
    address?: string;
    silent?: boolean;
    /** Where buckets and objects are kept (a temporary directory in tests). */
    directory: string;
    /** Buckets created by `run()`. */
    configureBuckets?: readonly { name: string }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
