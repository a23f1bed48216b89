import { posix } from 'node:path';
import { SdkError } from '../errors.js';
import type { Entity, EntityRef } from '../gate.js';

/**
 * Turns a guest-supplied path into the canonical absolute path that is authorized and opened.
 * Only absolute paths are accepted so a policy always speaks about the same object whatever the
 * runner's working directory; `.` and `..` are resolved lexically before authorization.
 */
export function canonicalPath(input: unknown, what = 'path'): string {
  // Reject non-strings before they reach path APIs that would coerce them.
  if (typeof input !== 'string' || input.length === 0) {
    throw new SdkError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
  }
  // A NUL would truncate the path in the kernel, so the object opened would differ from the one authorized.
  if (input.includes('\0')) throw new SdkError('INVALID_ARGUMENT', `${what} contains a NUL byte`);
  if (!input.startsWith('/')) throw new SdkError('INVALID_PATH', `${what} must be absolute: ${input}`);
  const normalized = posix.normalize(input);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

export const FILE = 'file_system::File';
export const DIR = 'file_system::Dir';

/** `Dir::"/a/b"` with parents `Dir::"/a"`, ..., `Dir::"/"`: the chain that makes `resource in Dir::"/a"` work. */
export function dirChain(dirPath: string): Entity[] {
  const chain: Entity[] = [];
  let current = dirPath;
  for (;;) {
    const parent = current === '/' ? null : posix.dirname(current);
    chain.push({
      uid: { type: DIR, id: current },
      attrs: { path: current },
      parents: parent === null ? [] : [{ type: DIR, id: parent }],
    });
    if (parent === null) return chain;
    current = parent;
  }
}

/** The entity for a path seen as `kind` (File or Dir), followed by all its ancestor Dirs. */
export function pathEntities(path: string, kind: typeof FILE | typeof DIR): { resource: EntityRef; entities: Entity[] } {
  if (kind === DIR) {
    const chain = dirChain(path);
    return { resource: { type: DIR, id: path }, entities: chain };
  }
  const parent = posix.dirname(path);
  const file: Entity = { uid: { type: FILE, id: path }, attrs: { path }, parents: [{ type: DIR, id: parent }] };
  return { resource: file.uid, entities: [file, ...dirChain(parent)] };
}
