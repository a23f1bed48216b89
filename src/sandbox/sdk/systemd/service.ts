import { SdkError } from '../../errors.js';
import type { Entity, EntityRef } from '../../gate.js';
import type { HostValue } from '../../host-api.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { stringArg } from '../host-args.js';
import type { RunResult } from '../proc/index.js';
import { systemctl, type SystemdHost } from './systemctl.js';
import { canonicalUnitName } from './unit-name.js';

export type Verb = 'status' | 'start' | 'stop' | 'restart';

export type UnitStatus = {
  readonly unit: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
  readonly description: string;
  /** 0 when the unit has no main process. */
  readonly mainPid: number;
};

const PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'Description', 'MainPID'];

/** `systemd::Service::"<unit>"` with attribute `name`. */
export function serviceEntity(unit: string): { resource: EntityRef; entities: Entity[] } {
  const uid: EntityRef = { type: 'systemd::Service', id: unit };
  return { resource: uid, entities: [{ uid, attrs: { name: unit }, parents: [] }] };
}

/**
 * The argv given to systemctl for each verb. `--` always precedes the unit (which is validated too),
 * so it can never be read as an option. `status` uses the read-only, machine-readable `show`.
 */
export function systemctlArgv(verb: Verb, unit: string): string[] {
  if (verb === 'status') return ['--no-pager', `--property=${PROPERTIES.join(',')}`, 'show', '--', unit];
  return ['--no-pager', '--no-ask-password', verb, '--', unit];
}

/** `systemd.<verb>(unit)`: `systemd::Action::"<verb>"` on the Service, then execute on systemctl. */
export function systemdCall(ctx: SdkContext, host: SystemdHost, verb: Verb, unitArg: HostValue): UnitStatus | null {
  const unit = canonicalUnitName(stringArg(unitArg, 'unit', { nonEmpty: true }));
  ctx.budget.spend();
  const { resource, entities } = serviceEntity(unit);
  // The service-level decision comes first; systemctl's own execute check follows in systemctl().
  authorize(ctx, action('systemd', verb), resource, entities);
  const result = systemctl(ctx, host, systemctlArgv(verb, unit));
  if (result.code !== 0) {
    const detail = result.stderr.trim().slice(0, 500);
    throw new SdkError('SYSTEMD_FAILED', `systemctl ${verb} ${unit} failed (${exitText(result)})${detail === '' ? '' : `: ${detail}`}`);
  }
  return verb === 'status' ? parseShow(unit, result.stdout) : null;
}

function exitText(result: RunResult): string {
  return result.code === null ? `signal ${result.signal ?? 'unknown'}` : `exit ${result.code}`;
}

/** Parses `Key=Value` lines of `systemctl show`. */
export function parseShow(unit: string, stdout: string): UnitStatus {
  const props = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const mainPid = Number(props.get('MainPID') ?? '0');
  return {
    unit: props.get('Id') ?? unit,
    loadState: props.get('LoadState') ?? '',
    activeState: props.get('ActiveState') ?? '',
    subState: props.get('SubState') ?? '',
    description: props.get('Description') ?? '',
    mainPid: Number.isSafeInteger(mainPid) ? mainPid : 0,
  };
}
