/**
 * A loopback TLS server with the emulator's certificate whose answers a test writes byte by byte
 * (for the range client: heads split across chunks, chunked bodies, cuts, stalls). Each request
 * head is handed to `answer` with the socket; the server counts connections and requests.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { certsDir } from '../emulator/emulator';

export interface RawRequest {
  head: string;
  /** 1 for the connection's first request, 2 for the next... */
  onConnection: number;
  servername: string | false | null;
}

export interface RawTlsServer {
  port: number;
  connections: number;
  requests: RawRequest[];
  answer: (socket: tls.TLSSocket, request: RawRequest) => void;
  close(): Promise<void>;
}

function serve(state: RawTlsServer, socket: tls.TLSSocket): void {
  let buffered = '';
  let count = 0;
  state.connections++;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let at = buffered.indexOf('\r\n\r\n'); at >= 0; at = buffered.indexOf('\r\n\r\n')) {
      const request = { head: buffered.slice(0, at), onConnection: ++count, servername: socket.servername };
      buffered = buffered.slice(at + 4);
      state.requests.push(request);
      state.answer(socket, request);
    }
  });
}

export async function startRawTlsServer(): Promise<RawTlsServer> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ key: readFileSync(path.join(certsDir, 'server-key.pem')), cert: readFileSync(path.join(certsDir, 'server.pem')) });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: RawTlsServer = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    requests: [],
    answer: (socket) => socket.destroy(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(state, socket);
  });
  return state;
}
