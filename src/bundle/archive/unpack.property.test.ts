import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BundleError } from '../errors.js';
import { packBundle } from './pack.js';
import { normalizeBundlePath } from './paths.js';
import { unpackBundle } from './unpack.js';

const RUNS = 400;
const SETTLE_MS = 2000;
const ALLOWED_CODES: readonly string[] = ['MALFORMED', 'TOO_LARGE', 'UNSAFE_PATH'];

/**
 * The contract under hostile input: unpackBundle settles within SETTLE_MS, and either resolves to a
 * map of safe paths or rejects with a BundleError of an allowed code. Nothing else, ever.
 */
async function assertWellBehaved(input: Uint8Array): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), SETTLE_MS);
  });
  const outcome = unpackBundle(input).then(
    (files) => ({ files }),
    (error: unknown) => ({ error }),
  );
  try {
    const result = await Promise.race([outcome, timeout]);
    assert.notEqual(result, 'timeout', `unpackBundle did not settle within ${SETTLE_MS} ms`);
    if (result === 'timeout') return;
    if ('error' in result) {
      const { error } = result;
      if (!(error instanceof BundleError)) assert.fail(`rejected with a non-BundleError: ${String(error)}`);
      const code: string = error.code;
      assert.ok(ALLOWED_CODES.includes(code), `unexpected code ${code}`);
      return;
    }
    for (const [path, body] of result.files) {
      // Whatever got through is a path the rule itself accepts unchanged.
      assert.equal(normalizeBundlePath(path, 'file'), path);
      assert.ok(body instanceof Uint8Array);
    }
    // (Checked last: `instanceof Map` would widen the map's type to Map<any, any>.)
    assert.ok(result.files instanceof Map);
  } finally {
    clearTimeout(timer);
  }
}

/** Small, always valid file maps: names start with `f`, directories with `d`, so they never clash. */
const fileMap = fc
  .dictionary(
    fc.tuple(fc.constantFrom('', 'd/', 'd/e/', 'dx/', './'), fc.stringMatching(/^f[a-z0-9._-]{0,10}$/)).map(([dir, name]) => `${dir}${name}`),
    fc.uint8Array({ maxLength: 700 }),
    { minKeys: 0, maxKeys: 5 },
  )
  .filter((record) => {
    // `./f` and `f` would be one file twice; keep the map valid.
    const normalized = Object.keys(record).map((name) => name.replace(/^\.\//, ''));
    return new Set(normalized).size === normalized.length;
  })
  .map((record) => new Map(Object.entries(record)));

/** A damage to apply to a byte string: flips, truncation, insertion, or a run of bytes overwritten. */
type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Uint8Array };

/** Where to damage, as a fraction of the length; unbiased, as fast-check's bias would pile up at 0. */
const position = fc.noBias(fc.integer({ min: 0, max: 0xffff })).map((n) => n / 0x10000);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = Math.floor(m.at * out.byteLength);
    switch (m.kind) {
      case 'flip':
        if (out.byteLength > 0) out[at] = (out[at] ?? 0) ^ m.value;
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
        break;
      case 'overwrite':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(Math.min(out.byteLength, at + m.bytes.byteLength))]);
        break;
    }
  }
  return out;
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/**
 * Recomputes the checksum of every block that still looks like a ustar header, so damage to names,
 * sizes and type flags reaches the entry checks instead of always stopping at the checksum.
 */
function reseal(tar: Uint8Array): Uint8Array {
  const out = Buffer.from(tar);
  for (let start = 0; start + 512 <= out.byteLength; start += 512) {
    const header = out.subarray(start, start + 512);
    if (header.toString('latin1', 257, 262) !== 'ustar') continue;
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  }
  return out;
}

describe('unpackBundle under hostile input (property)', () => {
  test('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), assertWellBehaved), { numRuns: RUNS });
  });

  test('random bytes, gzipped (so the tar reader sees the garbage)', async () => {
    const blocks = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      // Whole blocks, mostly zeros with a few bytes set, look more like tar than uniform noise does.
      fc.array(fc.tuple(fc.nat(511), fc.integer({ min: 1, max: 255 })), { maxLength: 20 }).map((pokes) => {
        const buf = Buffer.alloc(2048);
        for (const [at, value] of pokes) buf[at] = value;
        return buf;
      }),
    );
    await fc.assert(fc.asyncProperty(blocks, (raw) => assertWellBehaved(gzipSync(raw))), { numRuns: RUNS });
  });

  test('valid bundles, damaged at the gzip level', async () => {
    await fc.assert(
      fc.asyncProperty(fileMap, mutations, async (files, damage) => {
        await assertWellBehaved(mutate(await packBundle(files), damage));
      }),
      { numRuns: RUNS },
    );
  });

  test('valid bundles, damaged at the tar level and re-gzipped', async () => {
    await fc.assert(
      fc.asyncProperty(fileMap, mutations, fc.boolean(), async (files, damage, resealHeaders) => {
        const damaged = mutate(gunzipSync(await packBundle(files)), damage);
        await assertWellBehaved(gzipSync(resealHeaders ? reseal(damaged) : damaged));
      }),
      { numRuns: RUNS },
    );
  });

  test('valid bundles round-trip unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fileMap, async (files) => {
        const unpacked = await unpackBundle(await packBundle(files));
        const expected = new Map([...files].map(([name, body]) => [name.replace(/^\.\//, ''), Buffer.from(body)]));
        assert.deepEqual(new Map([...unpacked].map(([name, body]) => [name, Buffer.from(body)])), expected);
      }),
      { numRuns: RUNS },
    );
  });
});
