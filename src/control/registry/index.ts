export { RegistryError, type RegistryErrorCode } from './errors.js';
export { openRegistry, type OpenRegistryOptions } from './open-registry.js';
export { DEFAULT_SCHEMA, SCHEMA_NAME_PATTERN } from './postgres/schema.js';
export { type PostgresOptions } from './postgres/connection.js';
export { PostgresRegistry } from './postgres/postgres-registry.js';
export type {
  AgentFilter,
  AgentRecord,
  AgentState,
  CertificateRecord,
  Instant,
  IssuedCertificate,
  NewCertificate,
  NewPairingRequest,
  PairingApproval,
  PairingRequest,
  PairingState,
} from './records.js';
export type { Registry } from './registry.js';
export type {
  FleetErrorRecord,
  FleetHostRecord,
  FleetHostResult,
  FleetHostState,
  FleetRunListOptions,
  FleetRunRecord,
  FleetRunState,
  NewFleetRun,
} from './fleet-run-records.js';
export { SqliteRegistry } from './sqlite/sqlite-registry.js';
