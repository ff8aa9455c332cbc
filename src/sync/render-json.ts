import type { Plan } from './plan.js';

/** The plan as one JSON document (versioned: `version`), for scripts. */
export const renderJson = (plan: Plan): string => JSON.stringify(plan, null, 2) + '\n';
