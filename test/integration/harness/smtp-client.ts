// The client side of the SMTP dialogues the tests hold with a real smtpd: one line at a time, each
// sent once the previous reply (multi-line replies included) is complete.
import net from 'node:net';

export interface SmtpReply {
  readonly code: number;
  readonly text: string;
}

/**
 * Connects to 127.0.0.1:`port`, waits for the 220 greeting, then sends each line of `script` after
 * the reply to the one before. Resolves with the reply to every line, in order; rejects as soon as
 * `acceptable(index, reply)` refuses one, naming the line and the reply.
 */
export function smtpDialogue(port: number, script: readonly string[], acceptable: (index: number, reply: SmtpReply) => boolean): Promise<SmtpReply[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const replies: SmtpReply[] = [];
    let step = -1; // -1: waiting for the greeting
    let buffer = '';
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`SMTP dialogue timed out at ${script[step] ?? 'the greeting'}: ${buffer}`)), 60_000);
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      // A reply is complete at a line "NNN text" (a space, not a dash, after the code).
      for (;;) {
        const m = /^(?:\d{3}-.*\r\n)*(\d{3}) (.*)\r\n/.exec(buffer);
        if (!m) return;
        buffer = buffer.slice(m[0].length);
        const reply = { code: Number(m[1]), text: m[2]! };
        if (step === -1 ? reply.code !== 220 : !acceptable(step, reply)) {
          fail(new Error(`SMTP ${script[step] ?? 'greeting'} answered ${reply.code} ${reply.text}`));
          return;
        }
        if (step >= 0) replies.push(reply);
        step++;
        if (step < script.length) {
          socket.write(script[step] + '\r\n');
        } else {
          clearTimeout(timer);
          socket.end();
          resolve(replies);
          return;
        }
      }
    });
    socket.once('error', fail);
  });
}
