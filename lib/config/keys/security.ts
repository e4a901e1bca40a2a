import { type KeyDef, key, section } from '../key-def.js';
import { absPaths, bool, capabilities, int, list } from '../parsers.js';

/** RIS's capability list; --cap-drop=all comes first, these are the only ones added back. */
export const RIS_CAPABILITIES = ['CHOWN', 'KILL', 'SETPCAP', 'IPC_LOCK', 'SYS_NICE'];
export const RIS_SELINUX_LABELS = ['user:user_u', 'role:user_r', 'type:user_t', 'level:s0'];

/** [security]: capabilities, SELinux labels, pids limit, and what a job may ask for itself. */
export interface SecurityConfig {
  capAdd: string[];
  selinuxLabels: string[];
  pidsLimit: number;
  allowCgroupParent: string[];
  allowRawArgs: boolean;
  allowEntrypoint: boolean;
  /** docker's --privileged: root-equivalent; meant for a trusted [profile NAME] only. */
  privileged: boolean;
}

export const securityDefaults = (): SecurityConfig => ({
  capAdd: [...RIS_CAPABILITIES],
  selinuxLabels: [...RIS_SELINUX_LABELS],
  pidsLimit: 4096,
  allowCgroupParent: [],
  allowRawArgs: true,
  allowEntrypoint: true,
  privileged: false,
});

export const SECURITY_KEYS: KeyDef[] = section<SecurityConfig>('security', [
  key('cap_add', capabilities, (s, v) => (s.capAdd = v)),
  key('selinux_label', list, (s, v) => (s.selinuxLabels = v)),
  key('pids_limit', int(0, 4194304), (s, v) => (s.pidsLimit = v)),
  key('allow_cgroup_parent', absPaths, (s, v) => (s.allowCgroupParent = v)),
  key('allow_raw_args', bool, (s, v) => (s.allowRawArgs = v)),
  key('allow_entrypoint', bool, (s, v) => (s.allowEntrypoint = v)),
  key('privileged', bool, (s, v) => (s.privileged = v)),
]);
