export { MAP_FILES, renderMainCf, renderQueryConfig, usesTls, type MapName, type QueryConfigOptions } from './query-config.js';
export { writeQueryConfigs, type WrittenFile } from './write-files.js';
