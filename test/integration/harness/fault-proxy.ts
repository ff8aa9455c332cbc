// A small fault-injecting TCP proxy for tests: it sits between mxdir and a real server (slapd,
// PostgreSQL) and, on request, resets connections, stalls them, slows them down, or rewrites one LDAP
// response's resultCode (busy 51, unavailable 52). The server behind it is always the real one.
import net from 'node:net';
import { freePort } from './ports.js';

/** LDAP response protocolOp tags ([APPLICATION n], constructed). */
export const LdapOp = {
  bindResponse: 0x61,
  searchResDone: 0x65,
  modifyResponse: 0x67,
  addResponse: 0x69,
  delResponse: 0x6b,
  extendedResponse: 0x78,
} as const;

export interface Fault {
  /** Reset (TCP RST) a connection once it has sent this many bytes to the server. */
  resetAfterClientBytes?: number;
  /** Reset a connection when the client sends these bytes (e.g. the paged-results control OID). */
  resetWhenClientSends?: Buffer;
  /** Stop forwarding the server's answers on a connection once the client sends these bytes. */
  stallWhenClientSends?: Buffer;
  /** Rewrite the resultCode of LDAP responses with this protocolOp tag to `code`. */
  rewrite?: { op: number; code: number };
  /** How many times the fault fires (default 1); Infinity: every time. */
  times?: number;
}

export interface FaultProxy {
  readonly port: number;
  /** Times the armed fault fired so far. */
  readonly fired: number;
  /** Arms a fault (replacing any armed one); `null` disarms. */
  arm(fault: Fault | null): void;
  /** Delays every chunk from the server by `ms`. */
  latency(ms: number): void;
  /** Starts listening (the port is reserved at creation; connections are refused until then). */
  listen(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the armed fault has fired `n` times in total. */
  firedTimes(n: number): Promise<void>;
}

export async function startFaultProxy(target: { host?: string; port: number }, options: { listen?: boolean } = {}): Promise<FaultProxy> {
  const port = await freePort();
  const host = target.host ?? '127.0.0.1';
  let fault: Fault | null = null;
  let fired = 0;
  let remaining = 0;
  let delay = 0;
  const sockets = new Set<net.Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const fire = (): boolean => {
    if (remaining <= 0) return false;
    remaining--;
    fired++;
    for (const w of waiters.filter((w) => fired >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    return true;
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, host);
    sockets.add(client).add(upstream);
    let sent = 0;
    let stalled = false;
    let pending = Buffer.alloc(0);
    const kill = (): void => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      const f = fault;
      if (f?.resetAfterClientBytes !== undefined && sent >= f.resetAfterClientBytes && fire()) return kill();
      if (f?.resetWhenClientSends && chunk.includes(f.resetWhenClientSends) && fire()) return kill();
      if (f?.stallWhenClientSends && chunk.includes(f.stallWhenClientSends) && fire()) stalled = true;
      upstream.write(chunk);
    });
    const forward = (data: Buffer): void => {
      if (stalled || client.destroyed) return;
      if (delay > 0) setTimeout(() => client.destroyed || client.write(data), delay);
      else client.write(data);
    };
    upstream.on('data', (chunk: Buffer) => {
      if (!fault?.rewrite) return forward(chunk);
      // Cut the stream into whole LDAP messages so one response can be rewritten in place.
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const length = messageLength(pending);
        if (length === null || pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        const rw = fault?.rewrite;
        if (rw) rewriteResultCode(message, rw.op, rw.code, fire);
        forward(Buffer.from(message));
      }
    });
    const end = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });

  const proxy: FaultProxy = {
    port,
    get fired() {
      return fired;
    },
    arm(f) {
      fault = f;
      fired = 0;
      remaining = f ? (f.times ?? 1) : 0;
    },
    latency(ms) {
      delay = ms;
    },
    listen: () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
    firedTimes: (n) => (fired >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
  if (options.listen ?? true) await proxy.listen();
  return proxy;
}

/** The total length of the BER element at the start of `buf`, or null while its header is incomplete. */
function messageLength(buf: Buffer): number | null {
  if (buf.length < 2) return null;
  const first = buf[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (buf.length < 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!;
  return 2 + n + len;
}

/** Header length of the BER element at `offset`. */
function headerLength(buf: Buffer, offset: number): number {
  const first = buf[offset + 1]!;
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

/**
 * LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp CHOICE {...}, ... }: for a response whose
 * protocolOp tag is `op`, the LDAPResult's first element is resultCode ENUMERATED (0x0a 0x01 code).
 */
function rewriteResultCode(message: Buffer, op: number, code: number, fire: () => boolean): void {
  let at = headerLength(message, 0);
  at += headerLength(message, at) + message[at + 1]!; // messageID (short INTEGER)
  if (message[at] !== op) return;
  at += headerLength(message, at);
  if (message[at] !== 0x0a || message[at + 1] !== 0x01) return;
  if (message[at + 2] === 0 && fire()) message[at + 2] = code;
}
