export { DirDropTransport } from './dir-drop-transport.js';
export type { DirDropOptions } from './dir-drop-transport.js';
