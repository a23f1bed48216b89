import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readS3rverObject } from '../support/s3rver-read.js';
import S3rver from 's3rver';
import { until, type Delivery, type FinalResult, type TransportHarness } from './harness.js';

const BUCKET = 'writ-contract';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** PUT the `.writ` under the inbox prefix of a real s3rver; read `log`, then `size` (the commit marker). */
export async function s3Harness(workDir: string): Promise<TransportHarness> {
  const directory = join(workDir, 's3rver');
  mkdirSync(directory);
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // The agent runs in this process and takes its credentials from the SDK's default chain.
  process.env['AWS_ACCESS_KEY_ID'] = CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = CREDENTIALS.secretAccessKey;
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));

  const read = (key: string): Promise<Buffer | undefined> => readS3rverObject(client, BUCKET, key);

  const deliver = async (writ: Uint8Array, label: string): Promise<Delivery> => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `inbox/${label}.writ`, Body: writ }));
    const at = (name: string): string => `outbox/${label}/${name}`;
    return {
      progress: async () => {
        const size = await read(at('size'));
        return { log: (await read(at('log'))) ?? Buffer.alloc(0), final: size?.toString().endsWith('\n') ?? false };
      },
      final: async (timeoutMs = 30_000): Promise<FinalResult> => {
        // s3rver (unlike S3) may show an object mid-write: a size counts once its newline is there.
        const complete = async (): Promise<Buffer | undefined> => {
          const bytes = await read(at('size'));
          return bytes?.toString().endsWith('\n') ? bytes : undefined;
        };
        const size = Number((await until(at('size'), timeoutMs, complete)).toString());
        const log = (await read(at('log'))) ?? Buffer.alloc(0);
        if (log.length !== size) throw new Error(`${at('log')} holds ${log.length} bytes but size says ${size}`);
        const exit = ((await read(at('exit'))) ?? Buffer.from('')).toString().trim();
        const json = JSON.parse(((await read(at('run.json'))) ?? Buffer.from('{}')).toString()) as { error?: { code: string } | null };
        return { exitCode: exit === '-' ? null : Number(exit), log, errorCode: json.error?.code ?? null };
      },
    };
  };

  return {
    name: 's3',
    configYaml: `s3:\n  endpoint: ${endpoint}\n  bucket: ${BUCKET}\n  forcePathStyle: true\n  pollMs: 100\n  logFlushMs: 100\n`,
    deliver,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
