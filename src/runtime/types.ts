// The Runtime contract: what every workload backend (process today; docker, kubernetes later)
// provides to the engines. Engines only see these types, never a backend's internals.

/** A readiness or liveness check, as written in line.yaml (times in milliseconds). */
export type ProbeSpec = {
  /** http: GET path on the instance's port, 2xx/3xx is success; tcp: connect; exec: exit code 0. */
  kind: "http" | "tcp" | "exec";
  path?: string; // http
  command?: string[]; // exec: argv, run with the instance's env and cwd
  intervalMs: number;
  timeoutMs: number;
  initialDelayMs: number;
  successThreshold: number;
  failureThreshold: number;
};

/** Everything a backend needs to run one instance of one revision of a service. */
export type InstanceSpec = {
  service: string;
  revision: string; // content hash of the service spec this instance runs
  version: string;
  station?: string; // set when the service runs one instance per station
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  readiness?: ProbeSpec;
  liveness?: ProbeSpec;
};

export type InstanceState =
  | "starting" // process spawned, readiness not yet passed
  | "ready" // readiness passing: may receive traffic
  | "unready" // running but readiness failing
  | "backoff" // exited unexpectedly, waiting to restart
  | "failed" // crash loop, or could not be started at all; see `reason`
  | "stopping"
  | "stopped";

export type Instance = {
  id: string;
  service: string;
  revision: string;
  version: string;
  station?: string;
  state: InstanceState;
  /** Why the instance is in its state, for failed/backoff/unready ("exited with code 1", "spawn node-x ENOENT"). */
  reason?: string;
  pid?: number;
  /**
   * The current process was started by an earlier lineops and adopted by this one: it is probed and
   * restarted like any other, but its exit status will be unknown (it is not our child).
   */
  adopted?: boolean;
  host: string;
  port: number;
  restarts: number;
  startedAt?: number; // ms since epoch of the current process
  /** ms since epoch the instance last became ready; absent while it is not ready. */
  readySince?: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** In state `backoff`: when (ms since epoch) the next restart is due. */
  nextRestartAt?: number;
};

export type InstanceEvent = {
  type: "started" | "ready" | "unready" | "exited" | "failed" | "stopped";
  instance: Instance;
  at: number;
};

export type InstanceFilter = { service?: string; revision?: string };

export interface Runtime {
  /**
   * Starts one instance and returns once its process is spawned (not once it is ready:
   * watch for "ready"). A command that cannot be spawned yields an instance in state
   * `failed` with the reason, not a rejected promise.
   */
  start(spec: InstanceSpec): Promise<Instance>;
  /** Graceful stop: SIGTERM, wait up to drainMs, then SIGKILL. Resolves once the process is gone. */
  stop(id: string, opts: { drainMs: number }): Promise<void>;
  list(filter?: InstanceFilter): Instance[];
  get(id: string): Instance | undefined;
  /** Subscribes to instance lifecycle events; returns the unsubscribe function. */
  watch(cb: (e: InstanceEvent) => void): () => void;
  /** Last `lines` lines of the instance's captured stdout/stderr, oldest first. */
  logs(id: string, lines: number): Promise<string[]>;
}
