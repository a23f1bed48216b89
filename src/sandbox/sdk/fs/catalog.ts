/** One entry of `writ functions`: what a script may call and which Cedar requests it makes. */
export interface FsFunctionInfo {
  readonly name: string;
  readonly signature: string;
  readonly actions: readonly string[];
}

const A = (name: string, on: string): string => `file_system::Action::"${name}" on ${on}`;

/** The fs module's functions, in the order of DESIGN.md's script API. */
export const FS_FUNCTIONS: readonly FsFunctionInfo[] = Object.freeze([
  {
    name: 'fs.read',
    signature: 'fs.read(path) -> string',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.readBytes',
    signature: 'fs.readBytes(path) -> Uint8Array',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.write',
    signature: 'fs.write(path, data: string | Uint8Array, {append?}) -> undefined',
    actions: [A('open', 'Dir (parent)'), A('create', 'File (if new)'), A('open', 'File'), A('write', 'File')],
  },
  {
    name: 'fs.ls',
    signature: 'fs.ls(path) -> [{name, type, size, mode, mtime}]',
    actions: [A('open', 'Dir'), A('read', 'Dir')],
  },
  {
    name: 'fs.stat',
    signature: 'fs.stat(path) -> {type, size, mode, mtime, uid, gid}',
    actions: [A('open', 'Dir (parent)'), A('stat', 'File')],
  },
  {
    name: 'fs.mkdir',
    signature: 'fs.mkdir(path, {recursive?}) -> undefined',
    actions: [A('open', 'Dir (parent)'), A('create', 'Dir (and each missing ancestor when recursive)')],
  },
  {
    name: 'fs.rm',
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
    signature: 'fs.chmod(path, mode: number | "755") -> undefined',
    actions: [A('chmod', 'File or Dir')],
  },
  {
    name: 'fs.glob',
    signature: 'fs.glob(pattern) -> string[]',
    actions: [A('open', 'Dir (base and each directory walked)'), A('read', 'Dir (base and each directory walked)')],
  },
  {
    name: 'fs.grep',
    signature: 'fs.grep(pattern, path) -> [{line, text}]',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.tail',
    signature: 'fs.tail(path, n = 10) -> string[]',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
  {
    name: 'fs.wc',
    signature: 'fs.wc(path) -> {lines, words, bytes}',
    actions: [A('open', 'Dir (parent)'), A('open', 'File'), A('read', 'File')],
  },
].map((f) => Object.freeze({ ...f, actions: Object.freeze(f.actions) })));
