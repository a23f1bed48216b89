import type { HostModule } from '../../host-api.js';
import type { FunctionInfo } from '../function-info.js';
import type { SdkContext } from '../context.js';
import { systemdCall } from './service.js';
import { DEFAULT_SYSTEMD_HOST, type SystemdHost } from './systemctl.js';

export type { SystemdHost } from './systemctl.js';
export { canonicalUnitName } from './unit-name.js';

/** The guest's `systemd` global. `host` is for tests (a fake systemctl); production uses the defaults. */
export function createSystemdModule(ctx: SdkContext, host: SystemdHost = DEFAULT_SYSTEMD_HOST): HostModule {
  return Object.freeze({
    status: (unit) => systemdCall(ctx, host, 'status', unit),
    start: (unit) => systemdCall(ctx, host, 'start', unit),
    stop: (unit) => systemdCall(ctx, host, 'stop', unit),
    restart: (unit) => systemdCall(ctx, host, 'restart', unit),
  });
}

const EXEC = 'file_system::Action::"execute"';

export const SYSTEMD_FUNCTIONS: readonly FunctionInfo[] = [
  {
    name: 'systemd.status',
    signature: 'systemd.status(unit) -> {unit, loadState, activeState, subState, description, mainPid}',
    actions: ['systemd::Action::"status"', EXEC],
    description: 'State of a unit (systemctl show). Asked on systemd::Service::"<unit>" (attr name; `nginx` means `nginx.service`), then execute on /usr/bin/systemctl.',
  },
  ...(['start', 'stop', 'restart'] as const).map((verb) => ({
    name: `systemd.${verb}`,
    signature: `systemd.${verb}(unit)`,
    actions: [`systemd::Action::"${verb}"`, EXEC],
    description: `systemctl ${verb} of a unit. Asked on systemd::Service::"<unit>", then execute on /usr/bin/systemctl; SYSTEMD_UNAVAILABLE when systemd is not running.`,
  })),
];
