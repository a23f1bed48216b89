export { askAuthHook, checkAuthHookOptions } from './auth-hook.js';
export type { AuthContext, AuthDecision, AuthHookOptions } from './auth-hook.js';
