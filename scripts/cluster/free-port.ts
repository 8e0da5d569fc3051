import { createServer } from 'node:net';

/** Ports handed out by this process: a port is only bound some time after it is chosen. */
const handedOut = new Set<number>();

function listens(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/**
 * A loopback port nothing listens on right now, never the same twice in one process. Temporal stores membership
 * ports as SQL smallint (at most 32767), below the range the OS hands out for port 0, so ports come from 20000–32767.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await listens(port)) return port;
  }
  throw new Error('no free loopback port in 20000-32767');
}
