/**
 * The capabilities a profile may add with `security.cap_add[]`, each with why it is tolerable.
 * Any other capability (SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_PTRACE, DAC_OVERRIDE, NET_ADMIN,
 * NET_RAW, BPF, SETUID, MKNOD, IPC_OWNER, ...) is refused when the config is loaded, unless the
 * profile also says `security.privileged = true` (root-equivalent anyway). The table is what
 * docs/admin-guide-profiles.md shows.
 */
export const PROFILE_CAPABILITIES: Readonly<Record<string, string>> = {
  IPC_LOCK: 'lock memory (mlock, SHM_LOCK): large shared-memory buffers that must not be swapped',
  SYS_NICE: "raise the priority, CPU affinity and real-time scheduling of the job's own processes",
  NET_BIND_SERVICE: 'bind ports below 1024',
  KILL: "signal any process in the container's own pid namespace",
  CHOWN: 'change the owner of files the job can reach (in the site default list)',
  SETPCAP: "change the job's own capability sets (in the site default list)",
  AUDIT_WRITE: "write records to the kernel's audit log (in docker's default set)",
};

/** Why a capability is refused for a profile that is not privileged, or undefined when it may be added. */
export function profileCapabilityRefusal(cap: string): string | undefined {
  if (cap in PROFILE_CAPABILITIES) return undefined;
  return `${cap} is not one a profile may add (allowed: ${Object.keys(PROFILE_CAPABILITIES).join(', ')}; any only with security.privileged = true)`;
}
