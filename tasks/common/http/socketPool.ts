/**
 * Keep-alive for a client that speaks HTTP/1.1 on the socket itself: idle TLS sockets per route
 * (origin and proxy), at most `maxIdle` of them, each handed out again for the next request. An
 * idle socket that the server closes, or that receives anything, is dropped. destroy() ends every
 * socket the pool opened, idle or in use.
 */
import type { TLSSocket } from 'node:tls';
import type { Connector, Route } from './tunnel';

interface Idle {
  socket: TLSSocket;
  key: string;
  drop: () => void;
}

export class SocketPool {
  private readonly idle: Idle[] = [];
  private readonly opened = new Set<TLSSocket>();
  private closed = false;

  constructor(
    private readonly connector: Connector,
    private readonly maxIdle: number,
  ) {}

  route(url: string): Route {
    return this.connector(url);
  }

  /** Idle sockets now (for tests). */
  get idleCount(): number {
    return this.idle.length;
  }

  /** An idle socket of the route (`reused`), or a new one. */
  async take(route: Route, signal: AbortSignal): Promise<{ socket: TLSSocket; reused: boolean }> {
    const entry = this.idle.find((i) => i.key === route.key);
    if (entry) {
      this.idle.splice(this.idle.indexOf(entry), 1);
      entry.socket.off('data', entry.drop).off('end', entry.drop).off('close', entry.drop).off('error', entry.drop);
      return { socket: entry.socket, reused: true };
    }
    if (this.closed) throw Object.assign(new Error('the connection pool is closed'), { code: 'ABORT_ERR' });
    const socket = await route.open(signal);
    if (this.isClosed()) {
      socket.destroy();
      throw Object.assign(new Error('the connection pool is closed'), { code: 'ABORT_ERR' });
    }
    this.opened.add(socket);
    socket.once('close', () => this.opened.delete(socket));
    // Whoever holds the socket listens for its errors (and every error ends in 'close'); this one
    // only keeps an error between two holders (given back, not yet taken) from crashing the task.
    socket.on('error', () => undefined);
    return { socket, reused: false };
  }

  /** A socket whose last answer was read whole and that may carry another request. */
  give(route: Route, socket: TLSSocket): void {
    if (this.closed || socket.destroyed || !socket.writable || this.idle.length >= this.maxIdle) {
      socket.destroy();
      return;
    }
    const entry: Idle = { socket, key: route.key, drop: () => this.drop(entry) };
    socket.on('data', entry.drop).once('end', entry.drop).once('close', entry.drop).once('error', entry.drop);
    this.idle.push(entry);
  }

  /** Ends every socket; the pool opens no more. */
  destroy(): void {
    this.closed = true;
    this.idle.splice(0);
    for (const socket of this.opened) socket.destroy();
    this.opened.clear();
  }

  /** Read after an await (destroy() may have run meanwhile). */
  private isClosed(): boolean {
    return this.closed;
  }

  private drop(entry: Idle): void {
    const at = this.idle.indexOf(entry);
    if (at >= 0) this.idle.splice(at, 1);
    entry.socket.destroy();
  }
}
