/** Resolved options of the S3 transport (the agent config's `s3:` section, checked at the edge). */
export interface S3TransportOptions {
  /** e.g. `http://127.0.0.1:9000` for an S3-compatible server; absent: AWS's endpoint for the region. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (most non-AWS servers). */
  readonly forcePathStyle: boolean;
  /** Absent: the AWS SDK's default chain (environment, ~/.aws, instance metadata). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Polled for `<name>.writ` objects directly under it (deeper keys are ignored). Ends with `/`. */
  readonly inboxPrefix: string;
  /** Results go to `<outboxPrefix><name>/log|run.json|exit|size`, `size` last. Ends with `/`. */
  readonly outboxPrefix: string;
  readonly pollMs: number;
  /** The growing log is re-uploaded at least this often while it changes (aws-rce: once a second). */
  readonly logFlushMs: number;
  /** The agent's largest writ (bundle) size; larger objects are refused unread. */
  readonly maxBytes: number;
  /** Errors with no result object to go in (a failed listing, a submit that threw). */
  readonly onError?: (err: unknown) => void;
}
