/**
 * writ's Cedar schema, in Cedar's human schema format.
 *
 * Every namespace, entity type, attribute, action and action group below uses Amazon REX's names
 * exactly, so a policy written for rex-runner validates and means the same thing here. The text is
 * ours; only the names are shared. Anything writ adds later goes in a separate `writ` namespace so it
 * can never change the meaning of a REX policy (none is needed yet).
 *
 * Policies are validated against this schema in strict mode before a run, and every authorization
 * request is checked against it too (request validation), so a request the SDK builds wrongly is
 * denied rather than evaluated against policies that never anticipated its shape.
 */
export const WRIT_SCHEMA = `
// The one principal type: the user a script runs on behalf of, e.g. User::"alice".
entity User;

namespace file_system {
  // Directories contain directories and files, so a path's ancestors are its parents and
  // \`resource in file_system::Dir::"/var/log"\` matches anything below /var/log.
  entity Dir in Dir { path: String };
  entity File in Dir { path: String };

  // Arguments and environment of a program run; tags map each key or name to its value.
  entity Arguments {
    keys: Set<String>,
    flags: Set<String>,
    positional_values: Set<String>,
  } tags String;
  entity Environment { names: Set<String> } tags String;

  // Group of every file-system action, so one clause can name them all.
  action SafeIO;

  action write, network_namespace in SafeIO
    appliesTo { principal: [User], resource: [File] };

  action redacted_read in SafeIO
    appliesTo { principal: [User], resource: [File] };

  action open, chmod, chown, create, delete, read, stat in SafeIO
    appliesTo { principal: [User], resource: [File, Dir] };

  action set_x_attr in SafeIO
    appliesTo {
      principal: [User],
      resource: [File, Dir],
      context: { xattr: { name: String } },
    };

  action execute in SafeIO
    appliesTo {
      principal: [User],
      resource: [File],
      context: {
        arguments: Arguments,
        environment: Environment,
        user: { username: String, uid: Long },
        group: { groupname: String, gid: Long },
        namespace?: { target_process_id: Long },
      },
    };

  action move in SafeIO
    appliesTo {
      principal: [User],
      resource: [File, Dir],
      context: { destination: { path: String, name: String, parent_path: String } },
    };

  action unmount in SafeIO
    appliesTo { principal: [User], resource: [Dir] };
}

namespace sysinfo {
  action SysinfoAction;

  entity Uname {};
  entity Sysinfo {};
  entity Hostname { hostname: String };

  action list in SysinfoAction
    appliesTo { principal: [User], resource: [Uname, Sysinfo] };

  action resolve_hostname in SysinfoAction
    appliesTo { principal: [User], resource: [Hostname] };
}

namespace network {
  action NetworkAction;

  // Lower-case \`url\` is REX's spelling; the id is the URL itself.
  entity url { url: String };

  action GET, connect in NetworkAction
    appliesTo { principal: [User], resource: [url] };
}

namespace process_system {
  action ProcessAction;

  entity Process { name: String, username: String, command: String };

  action list, list_fds, mount_namespace, network_namespace, kill, interrupt, trace in ProcessAction
    appliesTo { principal: [User], resource: [Process] };
}

namespace systemd {
  action SystemdAction;

  entity Service { name: String };
  entity Systemd;

  action start, stop, restart, status in SystemdAction
    appliesTo { principal: [User], resource: [Service] };

  action daemon_reload in SystemdAction
    appliesTo { principal: [User], resource: [Systemd] };
}

namespace sysctl {
  // REX declares this group too; keeping it lets REX policies that name it validate.
  action SysctlAction;

  entity Sysctl {};

  action load in SysctlAction
    appliesTo { principal: [User], resource: [Sysctl] };
}
`;

/**
 * Name under which the schema is preparsed in cedar-wasm's (per-thread) cache. The version suffix
 * changes whenever WRIT_SCHEMA changes meaning, so a stale preparse can never be picked up.
 */
export const WRIT_SCHEMA_ID = 'writ-schema-v1';
