import { MxdirError } from '../errors.js';

/** Reading the admin database failed; nothing is written when a source fails. */
export class SourceError extends MxdirError {}
