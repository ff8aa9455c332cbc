// A minimal SMTP server on a free loopback port that accepts every message and records its envelope:
// the "next hop" a routing test sends to. Also a minimal SMTP client that submits one whole message.
import net from 'node:net';
import { freePort } from './ports.js';
import { smtpDialogue } from './smtp-client.js';

export interface ReceivedMessage {
  readonly helo: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly data: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: readonly ReceivedMessage[];
  /** Resolves with the first message whose recipients include `address`, or rejects after `timeoutMs`. */
  waitFor(address: string, timeoutMs: number): Promise<ReceivedMessage>;
  stop(): Promise<void>;
}

export async function startSmtpSink(hostname = 'sink.test.example'): Promise<SmtpSink> {
  const port = await freePort();
  const messages: ReceivedMessage[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let helo = '';
    let from = '';
    let to: string[] = [];
    const reply = (line: string): void => void socket.write(`${line}\r\n`);
    reply(`220 ${hostname} ESMTP sink`);
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push({ helo, from, to, data: buffer.slice(0, end) });
          buffer = buffer.slice(end + 5);
          inData = false;
          to = [];
          reply('250 2.0.0 queued by the sink');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          helo = line.slice(5).trim();
          reply(`250 ${hostname}`);
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
          return;
        } else if (verb === 'RSET' || verb === 'NOOP') {
          reply('250 2.0.0 ok');
        } else {
          reply('502 5.5.2 not implemented');
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    messages,
    waitFor: async (address, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => m.to.includes(address));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no message for ${address} reached the sink on port ${port} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Submits one message over SMTP (EHLO, MAIL, RCPT, DATA); resolves with the reply to the final dot. */
export async function sendMessage(port: number, from: string, to: string, body: string): Promise<string> {
  const message = `From: <${from}>\r\nTo: <${to}>\r\nSubject: routing test\r\n\r\n${body}\r\n.`;
  const script = ['EHLO client.test.example', `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA', message, 'QUIT'];
  const expected = [250, 250, 250, 354, 250, 221];
  const replies = await smtpDialogue(port, script, (i, reply) => reply.code === expected[i]);
  return `${replies[4]!.code} ${replies[4]!.text}`;
}
