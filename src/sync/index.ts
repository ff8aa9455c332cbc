export { diff, Differ, type DiffInput } from './diff.js';
export * from './plan.js';
export { renderJson } from './render-json.js';
export { renderLdif } from './render-ldif.js';
export { renderText } from './render-text.js';
export { guardPlan, guardViolations, type DesiredCounts, type GuardOptions } from './safety.js';
