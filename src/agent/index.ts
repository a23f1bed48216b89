export { Agent } from './agent.js';
export type { AgentOptions } from './agent.js';
export { AgentConfigError, AgentConfigSchema, loadAgentConfig } from './config/index.js';
export type { AgentConfig, AgentConfigInput } from './config/index.js';
export { selfCheck } from './self-check.js';
export type { CheckLine } from './self-check.js';
export { transportsFor, parseListen } from './transports.js';
