/**
 * A certificate is due for renewal once less than half its lifetime remains: renewal then has the
 * other half to succeed in, across control host restarts and agents that are down for a while.
 */
export function isRenewalDue(served: { readonly notBefore: string; readonly notAfter: string }, now: Date): boolean {
  const notBefore = Date.parse(served.notBefore);
  const notAfter = Date.parse(served.notAfter);
  // Fail towards renewing: dates we cannot read say nothing about how long the certificate lasts.
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter) || notAfter <= notBefore) return true;
  return notAfter - now.getTime() < (notAfter - notBefore) / 2;
}
