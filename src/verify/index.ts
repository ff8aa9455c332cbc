export { answerKey, compareAnswers, MAP_PARAMETER, renderVerdict, verdictOk, type Finding, type FindingKind, type ServerVerdict } from './compare.js';
export { planProbes, type Probe, type ProbeInput, type ProbeReason, type ProbeSet, type VerifiedMap } from './probes.js';
