export { normalizeAddress, type RecipientKey } from './address.js';
export { buildDesiredState } from './build-desired-state.js';
export type { DesiredState, ModelResult, PublishedAddress, PublishedDomain, SkippedRow } from './desired-state.js';
export { normalizeDomain } from './domain-name.js';
export { mergeRecords } from './merge-records.js';
export { applyTransportOverrides, nextHopFromConfig, nextHopFromSource } from './transport.js';
export { publishedDigest } from './digest.js';
