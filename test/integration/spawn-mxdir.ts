// Runs the built CLI as a child process that a test can watch and signal while it works.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './run-mxdir.js';

export interface RunningMxdir {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Resolves once stderr matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<void>;
}

export function spawnMxdir(args: readonly string[], env: NodeJS.ProcessEnv): RunningMxdir {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const l of [...listeners]) l();
  });
  // Listen for the exit at once: a fast child may be gone before the test looks.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      // Let the last stderr data arrive.
      child.stderr!.once('close', () => resolve({ code, signal }));
      if (child.stderr!.closed) resolve({ code, signal });
    }),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stderr)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          if (listeners.delete(check)) reject(new Error(`mxdir exited before printing ${pattern}: ${stderr}`));
        });
      }),
  };
}
