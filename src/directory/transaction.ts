// RFC 5805 LDAP transactions with ldapts: Start Transaction and End Transaction are extended
// operations, and every update inside carries the Transaction Specification control. slapd 2.5 hands
// out an empty transaction identifier and allows one transaction per connection; it has been seen to
// crash when several operations of one transaction are in flight at once, so callers keep exactly
// one operation in flight per transaction (shared/reference/openldap.md).

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

/** Commits (or aborts) the transaction; a failed commit leaves nothing of it applied. */
export async function endTransaction(client: Client, txn: Transaction, commit: boolean): Promise<void> {
  // txnEndReq ::= SEQUENCE { commit BOOLEAN DEFAULT TRUE, identifier OCTET STRING }
  const writer = new BerWriter();
  writer.startSequence();
  if (!commit) writer.writeBoolean(false);
  writer.writeBuffer(txn.identifier, OCTET_STRING);
  writer.endSequence();
  await client.exop(TXN_END_OID, writer.buffer);
}
