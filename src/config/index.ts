export { ACCEPT_ALL_SOURCE, type Config, type SourceConfig } from './config.js';
export { loadConfig, SEARCH_PLACES, SYSTEM_CONFIG } from './load.js';
export { redactSecrets, Secret } from './secret.js';
export { validateConfig } from './validate.js';
