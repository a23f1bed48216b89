import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * A loopback HTTP server in a child process. It must live outside the test's thread: the SDK's
 * synchronous net calls block that thread while they wait for the answer.
 * Routes: /ok -> 200 "hello"; /redirect?to=URL -> 302; every hit is appended to /hits.
 */
const SERVER = `
const http = require('node:http');
const hits = [];
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/hits') hits.push(url.pathname);
  if (url.pathname === '/ok') { res.end('hello'); return; }
  if (url.pathname === '/redirect') { res.writeHead(302, { location: url.searchParams.get('to') }); res.end(); return; }
  if (url.pathname === '/hits') { res.end(JSON.stringify(hits)); return; }
  res.writeHead(404); res.end('no');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export interface TestHttpServer {
  readonly base: string;
  hits(): Promise<string[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startHttpServerProcess(): Promise<TestHttpServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const base = `http://127.0.0.1:${chunk.toString().trim()}`;
  return {
    base,
    async hits() {
      const res = await fetch(`${base}/hits`);
      return (await res.json()) as string[];
    },
    async [Symbol.asyncDispose]() {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
