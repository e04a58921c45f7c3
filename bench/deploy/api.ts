// A small client of lineops's HTTP API for the deploy benchmark: bearer token, JSON, a deadline
// on every call, and the lineops error envelope turned into an Error with its code.

export type DeploymentEvent = { id: number; at: number; kind: string; message: string; data?: unknown };

export type Deployment = {
  id: string;
  service: string;
  phase: string;
  reason?: string;
  createdAt: number;
  finishedAt?: number | null;
  events: DeploymentEvent[];
};

export type ServiceStatus = {
  name: string;
  version: string;
  url: string;
  desired: number;
  instances: number;
  readyInstances: number;
  ready: boolean;
};

export type InstanceInfo = {
  id: string;
  service: string;
  revision: string;
  version: string;
  station?: string;
  state: string;
  startedAt?: number;
  pid?: number;
};

export const TERMINAL = new Set(["Succeeded", "RolledBack", "Failed", "Aborted"]);

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export class LineopsApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(
    method: string,
    path: string,
    opts: { body?: unknown; yaml?: string; timeoutMs?: number } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (opts.yaml !== undefined) {
      headers["content-type"] = "application/yaml";
      body = opts.yaml;
    } else if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const env = (json ?? {}) as { error?: string; code?: string };
      throw new ApiError(
        `${method} ${path}: ${res.status} ${env.code ?? ""} ${env.error ?? text.slice(0, 300)}`,
        res.status,
        env.code,
      );
    }
    return json as T;
  }

  status(): Promise<{ ready: boolean; services: ServiceStatus[] }> {
    return this.call("GET", "/api/v1/status");
  }

  instances(): Promise<{ instances: InstanceInfo[] }> {
    return this.call("GET", "/api/v1/instances");
  }

  deploy(service: string, version: string, strategy: unknown): Promise<Deployment> {
    return this.call("POST", "/api/v1/deployments", { body: { service, version, strategy } });
  }

  deployment(id: string): Promise<Deployment> {
    return this.call("GET", `/api/v1/deployments/${encodeURIComponent(id)}`);
  }

  control(id: string, action: "promote" | "abort" | "pause" | "resume"): Promise<unknown> {
    return this.call("POST", `/api/v1/deployments/${encodeURIComponent(id)}/${action}`);
  }

  applyLine(yaml: string, timeoutMs: number): Promise<unknown> {
    return this.call("POST", "/api/v1/line", { yaml, timeoutMs });
  }

  /** Polls a deployment until its phase is terminal (or `until` holds); throws at the deadline. */
  async waitFor(
    id: string,
    deadlineMs: number,
    until: (d: Deployment) => boolean = (d) => TERMINAL.has(d.phase),
  ): Promise<Deployment> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const d = await this.deployment(id);
      if (until(d)) {
        return d;
      }
      if (Date.now() > end) {
        throw new Error(
          `deployment ${id} (${d.service}) still ${d.phase} after ${deadlineMs} ms: ${d.reason ?? ""}`,
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Waits until lineops is ready with `services` services, each with every instance ready. */
export async function waitLineReady(api: LineopsApi, services: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < end) {
    try {
      const s = await api.status();
      if (s.ready && s.services.length === services && s.services.every((x) => x.ready)) {
        return;
      }
      last = s.services.map((x) => `${x.name} ${x.readyInstances}/${x.desired}`).join(", ");
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`line not ready after ${deadlineMs} ms: ${last}`);
}
