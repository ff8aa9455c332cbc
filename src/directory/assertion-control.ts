import { BerWriter, Control, EqualityFilter } from 'ldapts';

const OCTET_STRING = 0x04;

/**
 * The LDAP assertion control (RFC 4528, `1.3.6.1.1.12`): the operation only happens if the entry
 * still matches `(attribute=value)`; otherwise the server answers assertionFailed (122). It makes
 * "delete the lock only if it is still the stale one I read" a single atomic operation.
 */
export class AssertionControl extends Control {
  static readonly OID = '1.3.6.1.1.12';
  constructor(
    private readonly attribute: string,
    private readonly value: string,
  ) {
    super(AssertionControl.OID, { critical: true });
  }
  protected override writeControl(writer: BerWriter): void {
    const filter = new BerWriter();
    new EqualityFilter({ attribute: this.attribute, value: this.value }).write(filter);
    writer.writeBuffer(filter.buffer, OCTET_STRING);
  }
}

/** True for the assertionFailed result (122): the entry no longer holds what we asserted. */
export const isAssertionFailed = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 122;
