// The few error types mxdir has. Expected problems (bad config, unreachable server, refused sync)
// are MxdirErrors: the CLI prints their one-line message and exits with their code, no stack trace.
// Anything else is a bug and is shown in full.

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  error: 1,
  /** `sync --check`: changes are pending. */
  changesPending: 2,
  /** A safety guard refused the sync (empty source, mass delete); nothing was changed. */
  refused: 3,
  /** Another sync holds the lock on the tree; nothing was changed. */
  locked: 4,
  /** `verify`: a server's lookups disagree with the admin database (missing, unexpected, duplicate keys). */
  verifyFailed: 6,
  /** `status`: the last successful sync is older than --max-age, or there was none (Nagios CRITICAL). */
  stale: 2,
  /** Stopped by SIGINT (128 + 2): the lock was released and what was applied was reported. */
  interruptedBySigint: 130,
  /** Stopped by SIGTERM (128 + 15): the lock was released and what was applied was reported. */
  interruptedBySigterm: 143,
} as const;

export class MxdirError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.error,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration problem; `problems` holds every one found, each with its dotted path. */
export class ConfigError extends MxdirError {}

/** The LDAP side failed (connect, bind, read or write). */
export class DirectoryError extends MxdirError {}

/** A guard refused the sync; nothing was written. */
export class RefusedError extends MxdirError {
  constructor(message: string) {
    super(message, ExitCode.refused);
  }
}

/** A sync stopped by SIGTERM/SIGINT; `exitCode` is 128 + the signal number. */
export class InterruptedError extends MxdirError {}
