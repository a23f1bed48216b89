/** The control host's public face: its private CA and its registry of agents (SQLite or PostgreSQL). */
export { CertificateAuthority, PkiError, createCsr, initCa, loadCa, parseCsr } from './pki/index.js';
export type { InitCaOptions, InitCaResult, IssueRequest, ParsedCsr, PkiErrorCode } from './pki/index.js';
export { PostgresRegistry, RegistryError, SqliteRegistry, openRegistry } from './registry/index.js';
export type { AgentRecord, CertificateRecord, PairingRequest, Registry, RegistryErrorCode } from './registry/index.js';
export { askAuthHook, checkAuthHookOptions } from './auth-hook/index.js';
export type { AuthContext, AuthDecision, AuthHookOptions } from './auth-hook/index.js';
export { checkFanOutOptions, fanOut, overallExitCode, progressLine, resolveTargets, summaryTable } from './fanout/index.js';
export type { FanOutOptions, HostOutcome, HostResult, HostStatus, HostTask } from './fanout/index.js';
