// RFC 5805 LDAP transactions with ldapts: Start Transaction and End Transaction are extended
// operations, and every update inside carries the Transaction Specification control. slapd 2.5 hands
// out an empty transaction identifier and allows one transaction per connection. Callers keep exactly
// one operation in flight per transaction (shared/reference/openldap.md).
//
// slapd 2.5.13 crashes when End Transaction (commit or abort) reaches it too soon after the response
// to the transaction's last update: slapd answers each update of a transaction (txn_preop) before its
// worker thread is done with the operation (do_add still walks op->o_extra, fe_op_add resets
// op->o_bd), while End Transaction runs the queued operations on another thread, links its own
// OpExtra into them and frees them. A worker thread preempted in that window (a loaded host) then
// segfaults: do_add+0x6a9 walking a NULL o_extra, or mdb_dn2id_add/mdb_dn2entry during the commit.
// Measured on this 2-core host (loaded), a fresh slapd per run, 300 transactions of 100 adds per run:
// End at once crashed 6 runs in 21 on one connection and 8 in 10 on four; aborting at once 5 in 10 on
// one and 4 in 6 on four. With a pause of 1 to 10 ms before End none crashed (0 in 31 on one
// connection, 0 in 20 on four, aborts 0 in 14). A round trip (WhoAmI) instead of the pause does not
// help (2 in 10): only time lets the stalled thread finish. Closing the connection right after an
// update of an open transaction hits the same window (8 in 10; 0 in 10 after a 5 ms pause): a client
// killed there (SIGKILL) can crash slapd, which mxdir cannot prevent; it never closes a connection
// with a transaction open itself (a second signal aborts the transaction, see write-plan.ts).

import { BerWriter, Control, type Client } from 'ldapts';

export const TXN_START_OID = '1.3.6.1.1.21.1';
export const TXN_SPEC_OID = '1.3.6.1.1.21.2';
export const TXN_END_OID = '1.3.6.1.1.21.3';
const OCTET_STRING = 0x04;

/** The Transaction Specification control (critical): its value is the transaction identifier. */
export class TransactionSpecControl extends Control {
  constructor(private readonly identifier: Buffer) {
    super(TXN_SPEC_OID, { critical: true });
  }
  protected override writeControl(writer: BerWriter): void {
    writer.writeBuffer(this.identifier, OCTET_STRING);
  }
}

export interface Transaction {
  /** The control to attach to every update of this transaction. */
  readonly control: TransactionSpecControl;
  readonly identifier: Buffer;
}

export async function startTransaction(client: Client): Promise<Transaction> {
  const { value } = await client.exop(TXN_START_OID);
  const identifier = Buffer.from(value ?? '', 'latin1');
  return { identifier, control: new TransactionSpecControl(identifier) };
}

/**
 * Milliseconds between the response to a transaction's last update and its End Transaction, so that
 * slapd's worker thread has finished with that update (see above).
 */
export const END_TRANSACTION_PAUSE_MS = 10;

/**
 * Commits (or aborts) the transaction; a failed commit leaves nothing of it applied. Call it only once
 * the last update of the transaction has been answered: it waits END_TRANSACTION_PAUSE_MS first.
 */
export async function endTransaction(client: Client, txn: Transaction, commit: boolean): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, END_TRANSACTION_PAUSE_MS));
  // txnEndReq ::= SEQUENCE { commit BOOLEAN DEFAULT TRUE, identifier OCTET STRING }
  const writer = new BerWriter();
  writer.startSequence();
  if (!commit) writer.writeBoolean(false);
  writer.writeBuffer(txn.identifier, OCTET_STRING);
  writer.endSequence();
  await client.exop(TXN_END_OID, writer.buffer);
}
