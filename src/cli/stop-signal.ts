/**
 * SIGTERM/SIGINT during a sync: the first asks the writer to stop after the batch in hand (a batch is
 * one transaction, so the tree never holds half of one); a second abandons it at once, which is safe
 * too: an uncommitted transaction is discarded by the server and the next sync converges.
 */
export function onStopSignal(onFirst: () => void): { requested: () => boolean; dispose: () => void } {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) onFirst();
    else process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    requested: () => count > 0,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}
