export { MAP_FILES, renderMainCf, renderQueryConfig, usesTls, type MapName, type QueryConfigOptions } from './query-config.js';
export { writeQueryConfigs, type WrittenFile } from './write-files.js';
export {
  EXPORT_MAPS,
  mapKeys,
  POSTMAP_TYPES,
  recordedDigest,
  renderExportMainCf,
  renderMapFile,
  unrepresentableKey,
  type ExportMap,
  type MapFile,
  type PostmapType,
} from './map-file.js';
export { replaceFile } from './replace-file.js';
export { queryConfigOptions } from './config-options.js';
export { expandFilter, escapeFilterValue, parseQueryConfig, presenceFilter, type QuerySettings } from './query-settings.js';
export { findPostmap, LookupFailed, postmapLookup } from './postmap-lookup.js';
