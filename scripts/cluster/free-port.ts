import { createServer } from 'node:net';

function listens(port: number): Promise<number | undefined> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * A loopback port nothing listens on right now. Temporal stores membership ports as SQL smallint (at most 32767),
 * below the range the OS hands out for port 0, so ports come from 20000–32767 instead.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = await listens(20_000 + Math.floor(Math.random() * 12_768));
    if (port) return port;
  }
  throw new Error('no free loopback port in 20000-32767');
}
