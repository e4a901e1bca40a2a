/**
 * The parts of the Engine API's `POST /containers/create` body that the wrapper sets: the
 * container's Config and its HostConfig, with the API's own field names (API 1.41, the same
 * in every later version). Only what the docker CLI would send for the wrapper's argv.
 */

export interface ApiMount {
  Type: 'bind';
  Source: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation: string };
}

export interface ApiPortBinding {
  HostIp: string;
  HostPort: string;
}

export interface ApiUlimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface ApiDevice {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface ApiDeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[] | null;
  Capabilities: string[][];
  Options: Record<string, string>;
}

export interface ApiHostConfig {
  ContainerIDFile: string;
  AutoRemove: boolean;
  GroupAdd: string[];
  Mounts: ApiMount[];
  CapDrop: string[];
  CapAdd: string[];
  SecurityOpt: string[];
  Init: boolean;
  Privileged: boolean;
  PidsLimit: number;
  NetworkMode: string;
  IpcMode: string;
  ShmSize: number;
  PortBindings: Record<string, ApiPortBinding[]>;
  ExtraHosts: string[];
  CgroupParent: string;
  CpuShares: number;
  Memory: number;
  MemorySwap: number;
  Ulimits: ApiUlimit[];
  Devices: ApiDevice[];
  DeviceRequests: ApiDeviceRequest[];
}

export interface ApiContainerConfig {
  Hostname: string;
  Labels: Record<string, string>;
  User: string;
  WorkingDir: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Tty: boolean;
  ExposedPorts: Record<string, Record<string, never>>;
  Env: string[];
  Entrypoint: string[];
  Image: string;
  Cmd: string[];
}

/** The create body: the container's Config with its HostConfig inside, as the API takes it. */
export type CreateBody = Partial<ApiContainerConfig> & { HostConfig: Partial<ApiHostConfig> };

/** One concern's part of the create body. */
export interface BodyPart {
  config?: Partial<ApiContainerConfig>;
  host?: Partial<ApiHostConfig>;
  /** Variables the concern sets itself (the CLI's --env): appended to Env after the env-file's, as the CLI does. */
  env?: string[];
}
