// A TCP proxy the test controls, between Parley and PostgreSQL. It forwards bytes until told to hang;
// then, like a database host that froze behind a live network, it keeps every socket open, accepts
// new ones and swallows every byte in both directions. A connection that lost a byte is a broken
// protocol stream for good: it keeps swallowing after `resume()`, so only connections the client
// opens again (or never used during the hang) work once the proxy forwards again.
import net from 'node:net';

export interface HangingProxy {
  /** The port Parley connects to. */
  port: number;
  hang(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<HangingProxy> {
  let hanging = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      // Either side failing ends the pair; a hung database would show nothing, but nothing is lost here.
      s.on('error', () => {});
    }
    // Accepted during a hang: never answered.
    let swallowing = hanging;
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (hanging) swallowing = true;
        if (!swallowing) to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    // Parley closing its side ends the backend too. The backend closing its side (an idle-in-transaction
    // timeout, say) reaches Parley only while the proxy forwards: a hung host tells nothing.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      if (hanging || swallowing) swallowing = true;
      else client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    hang: () => {
      hanging = true;
    },
    resume: () => {
      hanging = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
