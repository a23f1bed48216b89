/**
 * What the engine exposes to the guest: a table of global objects (`fs`, `net`, ...) whose methods are
 * synchronous host functions. Values crossing the boundary are plain data only: never host objects,
 * functions or prototypes.
 */
export type HostValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Uint8Array
  | readonly HostValue[]
  | { readonly [key: string]: HostValue };

/** A host function receives guest arguments already copied into plain host data; it must validate them. */
export type HostFunction = (...args: HostValue[]) => HostValue;

export type HostModule = Readonly<Record<string, HostFunction>>;

/** Global name -> module. The engine adds `args`, `log` and `console` itself. */
export type HostApi = Readonly<Record<string, HostModule>>;
