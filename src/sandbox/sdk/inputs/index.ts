import { SdkError } from '../../errors.js';
import type { HostModule, HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import type { FunctionInfo } from '../function-info.js';

const NO_INPUTS: ReadonlyMap<string, Uint8Array> = new Map();

function inputBytes(ctx: SdkContext, name: HostValue): Uint8Array {
  if (typeof name !== 'string') throw new SdkError('INVALID_ARGUMENT', 'inputs.read(name): name must be a string');
  const bytes = (ctx.inputs ?? NO_INPUTS).get(name);
  if (bytes === undefined) throw new SdkError('INPUT_NOT_FOUND', `no input named "${name}" in this writ`);
  // Same bound as a file read: an input must fit the guest's memory with room to spare.
  if (bytes.length > ctx.maxReadBytes) throw new SdkError('FILE_TOO_LARGE', `input "${name}" is larger than ${ctx.maxReadBytes} bytes`);
  return bytes;
}

/**
 * The guest's `inputs` global: files sealed into the writ with `writ seal --input NAME=FILE`. They
 * arrived inside the signed bundle and live only in memory, so reading them is not a host operation
 * and asks no Cedar question; it still spends the operation budget like every host call.
 */
export function createInputsModule(ctx: SdkContext): HostModule {
  return Object.freeze({
    names: () => {
      ctx.budget.spend();
      return [...(ctx.inputs ?? NO_INPUTS).keys()].sort();
    },
    read: (name: HostValue) => {
      ctx.budget.spend();
      try {
        // fatal: an input that is not UTF-8 must be read with readBytes, not silently mangled.
        return new TextDecoder('utf-8', { fatal: true }).decode(inputBytes(ctx, name));
      } catch (err) {
        if (err instanceof SdkError) throw err;
        throw new SdkError('NOT_UTF8', `input "${typeof name === 'string' ? name : '?'}" is not UTF-8 text; use inputs.readBytes`);
      }
    },
    readBytes: (name: HostValue) => {
      ctx.budget.spend();
      return new Uint8Array(inputBytes(ctx, name));
    },
  });
}

export const INPUTS_FUNCTIONS: readonly FunctionInfo[] = [
  { name: 'inputs.names', signature: 'inputs.names() -> string[]', actions: [], description: "Names of the writ's sealed input files (writ seal --input NAME=FILE)." },
  { name: 'inputs.read', signature: 'inputs.read(name) -> string', actions: [], description: 'A sealed input as UTF-8 text; signed with the writ, so no Cedar request.' },
  { name: 'inputs.readBytes', signature: 'inputs.readBytes(name) -> Uint8Array', actions: [], description: 'A sealed input as bytes.' },
];
