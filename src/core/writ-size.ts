/**
 * How much a `.writ` may add around its bundle: the signature, and the signer's key or certificate
 * chain (the container allows at most 8 certificates of 16 KiB). Every reader bounds a `.writ` as
 * the host's bundle limit plus this, so all transports and `writ run` accept exactly the same files.
 */
export const WRIT_CONTAINER_OVERHEAD = 256 * 1024;

/** The largest `.writ` file accepted when bundles may be `maxBundleBytes`. */
export function maxWritBytesFor(maxBundleBytes: number): number {
  return maxBundleBytes + WRIT_CONTAINER_OVERHEAD;
}
