/**
 * `npm run bench`: every measurement as a ratio against a baseline run in the same process or script.
 * Prints a Markdown table (pasted into the README's performance section) and the raw JSON.
 */
import { cpus } from 'node:os';
import { benchAgentLatency } from './agent-latency.js';
import { benchCedarFastPath } from './cedar-fast-path.js';
import { benchColdStart } from './cold-start.js';
import { benchFileReads } from './file-reads.js';
import { benchFleetFanout } from './fleet-fanout.js';
import { fmt } from './stats.js';
import { benchVerify } from './verify.js';

const reads = await benchFileReads();
const cedar = await benchCedarFastPath();
const cold = benchColdStart();
const verify = await benchVerify();
const agent = await benchAgentLatency();
const fleet = await benchFleetFanout();
const fleet100 = fleet.headline;

const rows = [
  ['1,000 small file reads, sandbox + Cedar vs plain Node (end to end)', `${fmt(reads.sandboxMs)} ms vs ${fmt(reads.nodeMs)} ms`, `${fmt(reads.endToEndRatio)}x`],
  ['  same, per read (sandbox start subtracted)', `${fmt(((reads.sandboxMs - reads.sandboxEmptyMs) / reads.files) * 1000)} µs vs ${fmt((reads.nodeMs / reads.files) * 1000)} µs`, `${fmt(reads.perReadRatio)}x`],
  ['Cedar decisions/s, distinct file requests, no cache: compiled fast path vs cedar-wasm', `${fmt(cedar.fastPerSec, 0)}/s vs ${fmt(cedar.cedarPerSec, 0)}/s`, `${fmt(cedar.fastPerSec / cedar.cedarPerSec)}x faster`],
  ['Cold start: `writ run` hello vs `node -e` hello', `${fmt(cold.writMs)} ms vs ${fmt(cold.nodeMs)} ms`, `${fmt(cold.ratio)}x`],
  ...verify.map((v) => [`Verify a ${v.label} writ (${v.writBytes} bytes) vs SHA-256 of the same bytes`, `${fmt(v.verifyMs, 3)} ms vs ${fmt(v.hashMs, 3)} ms`, `${fmt(v.ratio)}x`]),
  [
    'Per-run latency, writ over HTTPS keep-alive (POST + event stream to finished) vs `ssh localhost true`, p50',
    agent.sshP50Ms === null ? `${fmt(agent.httpsP50Ms)} ms vs (no sshd: skipped)` : `${fmt(agent.httpsP50Ms)} ms vs ${fmt(agent.sshP50Ms)} ms`,
    agent.ratioP50 === null ? 'n/a' : `${fmt(agent.ratioP50)}x faster`,
  ],
  ['  same, p99', agent.sshP99Ms === null ? `${fmt(agent.httpsP99Ms)} ms` : `${fmt(agent.httpsP99Ms)} ms vs ${fmt(agent.sshP99Ms)} ms`, agent.sshP99Ms === null ? 'n/a' : `${fmt(agent.sshP99Ms / agent.httpsP99Ms)}x faster`],
  ['First-byte log latency: script prints, caller receives (SSE), p50 / p99', `${fmt(agent.firstByteP50Ms)} ms / ${fmt(agent.firstByteP99Ms)} ms`, 'goal < 100 ms'],
  [
    'Fan-out of one writ to 100 agents through the control host (warm mTLS connections) vs `parallel-ssh -p 100 true` on 100 connections, median',
    fleet100?.writMedianMs == null ? `failed: ${fleet100?.error ?? 'not run'}` : `${fmt(fleet100.writMedianMs, 0)} ms vs ${fleet100.psshMedianMs === null ? `(skipped: ${fleet.psshSkipped ?? fleet100.error ?? ''})` : `${fmt(fleet100.psshMedianMs, 0)} ms`}`,
    fleet100?.ratio == null ? 'n/a' : `${fmt(fleet100.ratio)}x faster`,
  ],
  [
    `  largest fleet without errors on this machine (all agents share it, ${fleet.processes} processes); hosts/s by size`,
    `${fleet.largestOk ?? 0} agents`,
    fleet.curve.filter((p) => p.hostsPerSec !== null).map((p) => `${p.size}: ${fmt(p.hostsPerSec ?? 0, 0)}/s`).join(', '),
  ],
];

process.stdout.write(`writ bench on ${cpus().length} cores, Node ${process.version}\n\n`);
process.stdout.write('| measure | writ vs baseline | ratio |\n| --- | --- | --- |\n');
for (const [name, value, ratio] of rows) process.stdout.write(`| ${name} | ${value} | ${ratio} |\n`);
process.stdout.write(`\n${JSON.stringify({ reads, cedar, cold, verify, agent, fleet }, null, 2)}\n`);
