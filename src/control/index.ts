/** The control host's public face: its private CA and its registry of agents (SQLite or PostgreSQL). */
export { CertificateAuthority, PkiError, createCsr, initCa, loadCa, parseCsr } from './pki/index.js';
export type { InitCaOptions, InitCaResult, IssueRequest, ParsedCsr, PkiErrorCode } from './pki/index.js';
export { PostgresRegistry, RegistryError, SqliteRegistry, openRegistry } from './registry/index.js';
export type { AgentRecord, CertificateRecord, PairingRequest, Registry, RegistryErrorCode } from './registry/index.js';
