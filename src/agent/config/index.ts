export { AgentConfigSchema } from './schema.js';
export type { AgentConfig, AgentConfigInput } from './schema.js';
export { AgentConfigError, loadAgentConfig } from './load.js';
