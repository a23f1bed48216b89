/** Test fixtures for the control PKI: a fresh CA in a temporary directory. */
import { tempDir } from '../../../test/support/temp.js';
import { initCa, loadCa, type CertificateAuthority, type InitCaOptions, type InitCaResult } from './ca.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCa {
  readonly dir: string;
  readonly init: InitCaResult;
  readonly ca: CertificateAuthority;
  [Symbol.dispose](): void;
}

/** A CA created with `options` in its own temporary directory, loaded from disk as `serve` would. */
export function testCa(options: Omit<InitCaOptions, 'dir'> = {}): TestCa {
  const dir = tempDir('writ-pki-');
  const caDir = `${dir.path}/ca`;
  const init = initCa({ ...options, dir: caDir });
  return {
    dir: caDir,
    init,
    ca: loadCa(caDir),
    [Symbol.dispose]: () => {
      dir[Symbol.dispose]();
    },
  };
}

export function daysAgo(days: number, from: Date = new Date()): Date {
  return new Date(from.getTime() - days * DAY_MS);
}
