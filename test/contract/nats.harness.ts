import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { resultSubject, runSubject } from '../../src/transport/nats/index.js';
import { until, type Delivery, type FinalResult, type TransportHarness } from './harness.js';

const SERVER = 'nats://127.0.0.1:4222';

interface Done {
  readonly exitCode: number | null;
  readonly error: { readonly code: string } | null;
  readonly size: number;
}

/**
 * Publish the `.writ` to this host's subject on the real nats-server; read `.log` chunks (placed by
 * their Writ-Offset header) and `.done` (the commit marker) from the results stream. Streams and
 * subjects are unique to the run, so parallel test files never meet.
 */
export async function natsHarness(): Promise<TransportHarness> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `writc${tag}`;
  const streams = { runs: `WRIT_RUNS_${tag}`, results: `WRIT_RESULTS_${tag}` };
  const nc = await connect({ servers: SERVER });
  const js = jetstream(nc);

  const deliver = async (writ: Uint8Array): Promise<Delivery> => {
    const ack = await js.publish(runSubject(prefix, { host: 'contract-host' }), writ);
    const subject = resultSubject(prefix, 'contract-host', ack.seq);
    const chunks = new Map<number, Buffer>();
    let done: Done | null = null;
    const consumer = await js.consumers.get(streams.results, { filter_subjects: `${subject}.>` });
    const messages = await consumer.consume();
    const reading = (async () => {
      for await (const m of messages as AsyncIterable<JsMsg>) {
        if (m.subject.endsWith('.log')) chunks.set(Number(m.headers?.get('Writ-Offset')), Buffer.from(m.data));
        if (m.subject.endsWith('.done')) {
          done = m.json<Done>();
          break;
        }
      }
    })();
    const log = (): Buffer => Buffer.concat([...chunks.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes));
    return {
      progress: () => Promise.resolve({ log: log(), final: done !== null }),
      final: async (timeoutMs = 30_000): Promise<FinalResult> => {
        const result = await until(`${subject}.done`, timeoutMs, () => Promise.resolve(done ?? undefined));
        await reading;
        const bytes = log();
        if (bytes.length !== result.size) throw new Error(`${subject}: ${bytes.length} log bytes but .done says ${result.size}`);
        return { exitCode: result.exitCode, log: bytes, errorCode: result.error?.code ?? null };
      },
    };
  };

  return {
    name: 'nats',
    configYaml: `nats:\n  servers: [${SERVER}]\n  subjectPrefix: ${prefix}\n  runsStream: ${streams.runs}\n  resultsStream: ${streams.results}\n  createStreams: true\n`,
    deliver,
    close: async () => {
      const jsm = await jetstreamManager(nc);
      for (const stream of Object.values(streams)) await jsm.streams.delete(stream).catch(() => false);
      await nc.close();
    },
  };
}
