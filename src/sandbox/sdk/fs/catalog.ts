import type { FunctionInfo } from '../function-info.js';

const A = (name: string, on: string): string => `file_system::Action::"${name}" on ${on}`;

/** The fs module's functions, in the order of DESIGN.md's script API. */
export const FS_FUNCTIONS: readonly FunctionInfo[] = Object.freeze([
  {
    name: 'fs.read',
    description: 'Read a regular file as UTF-8 text (at most a quarter of the memory limit).',
    signature: 'fs.read(path) -> string',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.readBytes',
    description: 'Read a regular file as bytes.',
    signature: 'fs.readBytes(path) -> Uint8Array',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.write',
    description: 'Replace (or with append: extend) a file, creating it if missing; a dangling symlink is refused.',
    signature: 'fs.write(path, data: string | Uint8Array, {append?}) -> undefined',
    actions: [A('open', 'Dir (parent)'), A('create', 'File (if new)'), A('open', 'File'), A('write', 'File')],
  },
  {
    name: 'fs.ls',
    description: 'List a directory without following symlinks.',
    signature: 'fs.ls(path) -> [{name, type, size, mode, mtime}]',
    actions: [A('open', 'Dir'), A('read', 'Dir')],
  },
  {
    name: 'fs.stat',
    description: 'Type, size, mode, mtime and owner of a path (follows symlinks; the real path is authorized too).',
    signature: 'fs.stat(path) -> {type, size, mode, mtime, uid, gid}',
    actions: [A('open', 'Dir (parent)'), A('stat', 'File')],
  },
  {
    name: 'fs.mkdir',
    description: 'Create a directory; with recursive, every missing ancestor is authorized before any is created.',
    signature: 'fs.mkdir(path, {recursive?}) -> undefined',
    actions: [A('open', 'Dir (parent)'), A('create', 'Dir (and each missing ancestor when recursive)')],
  },
  {
    name: 'fs.rm',
    description: 'Delete a file, link or directory; recursive deletes authorize every entry first, so one denial deletes nothing.',
    signature: 'fs.rm(path, {recursive?}) -> undefined',
    actions: [
      A('open', 'Dir (parent)'),
      A('delete', 'File or Dir (a symlink is a File)'),
      A('open', 'Dir (each directory, when recursive)'),
      A('read', 'Dir (each directory, when recursive)'),
      A('delete', 'File or Dir (every entry, when recursive)'),
    ],
  },
  {
    name: 'fs.cp',
    description: 'Copy a file (or with recursive a tree, every entry authorized first) to an exact destination path.',
    signature: 'fs.cp(src, dst, {recursive?}) -> undefined',
    actions: [
      A('open', 'Dir (src parent)'),
      A('open', 'File (src) or Dir (each src directory)'),
      A('read', 'File (src) or Dir (each src directory)'),
      A('open', 'Dir (dst parent)'),
      A('create', 'File or Dir (each new dst entry)'),
      A('open', 'File or Dir (dst)'),
      A('write', 'File (dst)'),
    ],
  },
  {
    name: 'fs.mv',
    description: 'Rename a file or directory (REX move, with the destination in the context); replacing a file also needs delete.',
    signature: 'fs.mv(src, dst) -> undefined',
    actions: [
      A('open', 'Dir (src parent)'),
      A('open', 'Dir (dst parent)'),
      A('move', 'File or Dir (src), context {destination: {path, name, parent_path}}'),
      A('delete', 'File or Dir (dst, if it exists)'),
    ],
  },
  {
    name: 'fs.chmod',
    description: 'Change permission bits of a file or directory.',
    signature: 'fs.chmod(path, mode: number | "755") -> undefined',
    actions: [A('chmod', 'File or Dir')],
  },
  {
    name: 'fs.glob',
    description: 'Absolute paths matching *, ?, ** and [...]; every directory walked is authorized, symlinks are never walked into.',
    signature: 'fs.glob(pattern) -> string[]',
    actions: [A('open', 'Dir (base and each directory walked)'), A('read', 'Dir (base and each directory walked)')],
  },
  {
    name: 'fs.grep',
    description: 'Lines matching a regular expression, matched inside the sandbox on top of fs.read.',
    signature: 'fs.grep(pattern, path) -> [{line, text}]',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.tail',
    description: 'The last n lines of a file, inside the sandbox on top of fs.read.',
    signature: 'fs.tail(path, n = 10) -> string[]',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.wc',
    description: 'Line, word and byte counts (like LC_ALL=C wc), inside the sandbox on top of fs.readBytes.',
    signature: 'fs.wc(path) -> {lines, words, bytes}',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
].map((f) => Object.freeze({ ...f, actions: Object.freeze(f.actions) })));
