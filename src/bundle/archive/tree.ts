import { BundleError } from '../errors.js';

type TreeNode = { readonly kind: 'file' } | DirectoryNode;
interface DirectoryNode {
  readonly kind: 'directory';
  readonly children: Map<string, TreeNode>;
}

/**
 * The shape of a bundle's file tree, so that every path names exactly one thing. Paths must already
 * be normalized (see paths.ts). Built as a trie rather than a set of prefixes so the work stays
 * linear in the path length even for deep paths.
 */
export class BundleTree {
  readonly #root: DirectoryNode = { kind: 'directory', children: new Map() };

  /** Records a file; refuses a second file of the same name and a file that is also a directory. */
  addFile(path: string): void {
    const segments = path.split('/');
    const name = segments.pop();
    if (name === undefined || name === '') throw new Error(`BundleTree.addFile: not a normalized path: ${path}`);
    const parent = this.#walk(segments, path);
    const existing = parent.children.get(name);
    // A later entry silently replacing an earlier one would let a reviewer see one script and writ run another.
    if (existing?.kind === 'file') throw unsafe(path, 'the archive holds this file more than once');
    // A name that is both a file and a directory unpacks differently depending on entry order.
    if (existing?.kind === 'directory') throw unsafe(path, 'the same path is used as a file and as a directory');
    parent.children.set(name, { kind: 'file' });
  }

  /** Records a directory (`''` is the root); repeating a directory is harmless and allowed. */
  addDirectory(path: string): void {
    if (path === '') return;
    this.#walk(path.split('/'), path);
  }

  /** Follows (creating as needed) the directories named by `segments`, refusing to pass through a file. */
  #walk(segments: readonly string[], path: string): DirectoryNode {
    let node = this.#root;
    for (const segment of segments) {
      const child = node.children.get(segment);
      if (child === undefined) {
        const created: DirectoryNode = { kind: 'directory', children: new Map() };
        node.children.set(segment, created);
        node = created;
      } else if (child.kind === 'directory') {
        node = child;
      } else {
        // A file used as a directory prefix of another entry: same ambiguity as above, one level down.
        throw unsafe(path, 'a parent of this path is a file');
      }
    }
    return node;
  }
}

function unsafe(path: string, why: string): BundleError {
  return new BundleError('UNSAFE_PATH', `unsafe path ${JSON.stringify(path)}: ${why}`);
}
