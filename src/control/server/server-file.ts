import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WritError } from '../../core/errors.js';

/** `<caDir>/server.json`: where `writ control serve` listens, so the other control commands find it. */
export const SERVER_FILE = 'server.json';

const ServerFileSchema = z.object({ url: z.string().regex(/^https:\/\/[^\s/]+$/) }).strict();
export type ServerFile = z.infer<typeof ServerFileSchema>;

/**
 * The URL local commands should use for a server bound to `address` (`https://host:port`): a
 * wildcard bind is reached on loopback, which the control certificate names by default.
 */
export function localUrlOf(address: string): string {
  return address.replace(/^https:\/\/0\.0\.0\.0:/, 'https://127.0.0.1:').replace(/^https:\/\/\[::\]:/, 'https://[::1]:');
}

/** Written whole or not at all (rename), so a reader never sees half a file. */
export function writeServerFile(caDir: string, url: string): string {
  const path = join(caDir, SERVER_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ url } satisfies ServerFile)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
  return path;
}

export function removeServerFile(caDir: string): void {
  rmSync(join(caDir, SERVER_FILE), { force: true });
}

export function readServerFile(caDir: string): ServerFile {
  const path = join(caDir, SERVER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WritError('CONTROL_NOT_RUNNING', `${path} not found: is writ control serve running with --dir ${caDir}?`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw new WritError('CONTROL_NOT_RUNNING', `${path} is not JSON`, { cause: err });
  }
  const result = ServerFileSchema.safeParse(parsed);
  if (!result.success) throw new WritError('CONTROL_NOT_RUNNING', `${path} does not name an https:// URL`);
  return result.data;
}
