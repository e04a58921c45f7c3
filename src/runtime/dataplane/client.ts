// lineops's side of the data plane: implements the deployment engine's FrontDoors over the
// control socket. The synchronous calls (backends, weights, stickiness) update a local mirror of
// the table and are pushed in order in the background; addressOf answers from the mirror. While
// lineops runs, the client supervises the data plane: if it dies, it is respawned, the whole
// mirror is pushed, and the time the front doors were down is logged (lastRecovery).
import type { Logger } from "pino";

import { frontDoorPortInUse, RuntimeErrors } from "../errors.js";
import type { Backend, DrainResult, Stickiness } from "../router/router.js";
import { normalizeStickiness, validateWeights } from "../router/router.js";
import { isSameProcess } from "./identity.js";
import type { Info, ListenAnswer, ServiceEntry, Table } from "./protocol.js";
import { MAX_DRAIN_MS } from "./protocol.js";
import type { DataPlaneConnection, SpawnOptions } from "./spawn.js";
import { connectOrSpawn, fetchInfo } from "./spawn.js";
import type { ControlCall } from "./transport.js";
import { controlRequest, isUnreachable } from "./transport.js";
import { LineopsError } from "../../errors.js";

export type DataPlaneClientOptions = SpawnOptions & {
  /**
   * The port a service's front door gets: `requested` when given, else its stored port, else a new
   * one (lineops wires a store-backed allocator, so addresses survive restarts). The client never
   * picks ports itself.
   */
  portFor: (service: string, requested?: number) => Promise<number>;
  /** How often the data plane's pid is checked while attached (default 250 ms). */
  superviseIntervalMs?: number;
};

export type Recovery = {
  /** When the respawned data plane answered again (ms since epoch). */
  at: number;
  /** From the last moment the old data plane was seen alive to the new one serving its table. */
  downMs: number;
  pid: number;
};

type Mirror = ServiceEntry & { address?: ListenAnswer };

export class DataPlaneClient {
  readonly #opts: DataPlaneClientOptions;
  readonly #log: Logger;
  #conn: DataPlaneConnection | undefined;
  readonly #mirror = new Map<string, Mirror>();
  /** Control calls in the order they were made; each waits for the one before. */
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lastSeenAlive = Date.now();
  #recovering: Promise<void> | undefined;
  #detached = false;
  #lastRecovery: Recovery | undefined;

  constructor(opts: DataPlaneClientOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: "dataplane-client" });
  }

  /** Connects to (or starts) the data plane, loads its table as the mirror and starts supervising. */
  static async open(opts: DataPlaneClientOptions): Promise<DataPlaneClient> {
    const client = new DataPlaneClient(opts);
    await client.attach();
    return client;
  }

  async attach(): Promise<void> {
    this.#detached = false;
    const conn = await connectOrSpawn(this.#opts);
    this.#conn = conn;
    this.#lastSeenAlive = Date.now();
    this.#warnOnMismatch(conn.info);
    const table = await this.table();
    this.#mirror.clear();
    for (const [service, entry] of Object.entries(table.services)) {
      const m: Mirror = structuredClone(entry);
      if (entry.port !== undefined) {
        m.address = this.#address(conn.info, entry.port);
      }
      this.#mirror.set(service, m);
    }
    this.#timer = setInterval(() => this.#check(), this.#opts.superviseIntervalMs ?? 250);
    this.#timer.unref();
  }

  #warnOnMismatch(info: Info): void {
    if (info.host !== this.#opts.host || (info.tls !== null) !== (this.#opts.tls !== undefined)) {
      this.#log.warn(
        {
          running: { host: info.host, tls: info.tls !== null },
          configured: { host: this.#opts.host, tls: this.#opts.tls !== undefined },
        },
        "the running data plane's front doors differ from the configuration: they change when the data plane restarts (lineops --stop-line, then start)",
      );
    }
  }

  #address(info: Info, port: number): ListenAnswer {
    const scheme = info.tls ? "https" : "http";
    return { host: info.host, port, url: `${scheme}://${info.host}:${port}` };
  }

  /** The data plane this client talks to (pid, build...), as last seen. */
  get connection(): DataPlaneConnection | undefined {
    return this.#conn;
  }

  /** The last crash recovery, for logs and the restart benchmark. */
  get lastRecovery(): Recovery | undefined {
    return this.#lastRecovery;
  }

  #entry(service: string): Mirror {
    let m = this.#mirror.get(service);
    if (!m) {
      m = { backends: [], draining: [] };
      this.#mirror.set(service, m);
    }
    return m;
  }

  // --- FrontDoors -------------------------------------------------------------------------

  async listen(service: string, port?: number): Promise<ListenAnswer> {
    const current = this.#mirror.get(service)?.address;
    if (current && (!port || port === current.port)) {
      return { ...current };
    }
    const want = await this.#opts.portFor(service, port);
    let answer: ListenAnswer;
    try {
      answer = JSON.parse(
        await this.#call({ method: "POST", path: `/v1/services/${service}/listen`, body: { port: want } }),
      ) as ListenAnswer;
    } catch (err) {
      const inUse = [RuntimeErrors.portInUse.code, RuntimeErrors.frontDoorPortInUse.code];
      if (err instanceof LineopsError && inUse.includes(err.code)) {
        throw frontDoorPortInUse(service, want, { cause: err });
      }
      throw err;
    }
    const m = this.#entry(service);
    m.port = answer.port;
    m.address = answer;
    return { ...answer };
  }

  setBackends(service: string, backends: Backend[]): void {
    const copy = backends.map((b) => ({
      instanceId: b.instanceId,
      host: b.host,
      port: b.port,
      ...(b.weight === undefined ? {} : { weight: b.weight }),
      ...(b.station === undefined ? {} : { station: b.station }),
      ...(b.group === undefined ? {} : { group: b.group }),
      ...(b.revision === undefined ? {} : { revision: b.revision }),
    }));
    const m = this.#entry(service);
    m.backends = copy;
    const listed = new Set(copy.map((b) => b.instanceId));
    m.draining = m.draining.filter((id) => listed.has(id));
    this.#push({ method: "PUT", path: `/v1/services/${service}/backends`, body: { backends: copy } });
  }

  addressOf(service: string): ListenAnswer | undefined {
    const a = this.#mirror.get(service)?.address;
    return a ? { ...a } : undefined;
  }

  setWeights(service: string, weights: Record<string, number> | undefined): void {
    // Refused here, synchronously, exactly as the in-process router refuses it.
    const valid = weights === undefined ? undefined : { ...validateWeights(service, weights) };
    const m = this.#entry(service);
    if (valid === undefined) {
      delete m.weights;
    } else {
      m.weights = valid;
    }
    this.#push({ method: "PUT", path: `/v1/services/${service}/weights`, body: { weights: valid ?? null } });
  }

  setStickiness(service: string, stickiness: Stickiness | undefined): void {
    const valid = normalizeStickiness(service, stickiness);
    const m = this.#entry(service);
    if (valid === undefined) {
      delete m.stickiness;
    } else {
      m.stickiness = valid;
    }
    this.#push({
      method: "PUT",
      path: `/v1/services/${service}/stickiness`,
      body: { stickiness: valid ?? null },
    });
  }

  /**
   * Takes the instance out of rotation (in order with the calls before it), then waits for its
   * requests in flight outside the queue, so a long drain never holds back other services' changes.
   */
  async drain(instanceId: string, timeoutMs: number): Promise<DrainResult> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw RuntimeErrors.noBackend(`drain of ${instanceId}: timeoutMs must be >= 0`);
    }
    const wait = Math.min(Math.round(timeoutMs), MAX_DRAIN_MS);
    for (const m of this.#mirror.values()) {
      if (m.backends.some((b) => b.instanceId === instanceId) && !m.draining.includes(instanceId)) {
        m.draining.push(instanceId);
      }
    }
    await this.#push({ method: "POST", path: "/v1/drain", body: { instanceId, timeoutMs: 0 } });
    try {
      return JSON.parse(
        await this.#call({
          method: "POST",
          path: "/v1/drain",
          body: { instanceId, timeoutMs: wait },
          timeoutMs: wait + 5_000,
        }),
      ) as DrainResult;
    } catch (err) {
      if (isUnreachable(err)) {
        // The data plane died mid-drain: its requests in flight died with it; nothing is left to wait for.
        return { inFlight: 0, completed: true };
      }
      throw err;
    }
  }

  // --- TLS, table, metrics, lifecycle -----------------------------------------------------

  /** The data plane re-reads its certificate and key files (key material never crosses the socket). */
  async reloadTls(): Promise<{ fingerprint: string; validTo: string }> {
    const body = this.#opts.tls ? { certFile: this.#opts.tls.certFile, keyFile: this.#opts.tls.keyFile } : {};
    return JSON.parse(await this.#call({ method: "POST", path: "/v1/tls/reload", body })) as {
      fingerprint: string;
      validTo: string;
    };
  }

  /**
   * TlsFiles.use(client) works as with the in-process router: TlsFiles has already checked the new
   * pair; the options are not sent, the data plane reads the same files itself.
   */
  setSecureContext(_options: unknown): void {
    this.reloadTls().catch((err: unknown) => this.#log.error({ err }, "data plane TLS reload failed"));
  }

  async table(): Promise<Table> {
    return JSON.parse(await this.#call({ method: "GET", path: "/v1/table" })) as Table;
  }

  async info(): Promise<Info> {
    return JSON.parse(await this.#call({ method: "GET", path: "/v1/info" })) as Info;
  }

  /** Prometheus text of the front doors' request metrics (lineops's /metrics appends it). */
  metricsText(): Promise<string> {
    return this.#call({ method: "GET", path: "/v1/metrics" });
  }

  /** Resolves once every change made so far has reached the data plane. */
  flush(): Promise<void> {
    return this.#queue;
  }

  /** Stops supervising and lets pending changes through; the data plane keeps running. */
  async detach(): Promise<void> {
    this.#detached = true;
    clearInterval(this.#timer);
    await this.#queue;
  }

  /** Stops the data plane (front doors close after their requests in flight): `--stop-line`. */
  async shutdown(timeoutMs = 15_000): Promise<void> {
    await this.detach();
    const conn = this.#conn;
    if (!conn || !isSameProcess(conn)) {
      return;
    }
    try {
      await controlRequest(conn.socket, { method: "POST", path: "/v1/shutdown", body: {} });
    } catch (err) {
      this.#log.warn({ err }, "data plane did not take the shutdown request: sending SIGTERM");
      try {
        process.kill(conn.pid, "SIGTERM");
      } catch {
        return;
      }
    }
    const deadline = Date.now() + timeoutMs;
    while (isSameProcess(conn)) {
      if (Date.now() > deadline) {
        this.#log.error({ pid: conn.pid }, "data plane did not stop in time: killing it");
        process.kill(conn.pid, "SIGKILL");
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // --- transport, ordering and supervision -------------------------------------------------

  /** Queues a change; resolves when it was applied (or superseded by a full recovery push). */
  #push(call: ControlCall): Promise<void> {
    const run = async () => {
      try {
        // A live but slow data plane (timeout) gets two more tries: the mirror already has the change.
        for (let attempt = 1; ; attempt++) {
          try {
            await this.#call(call);
            return;
          } catch (err) {
            if (!isUnreachable(err) || attempt >= 3 || this.#detached) {
              throw err;
            }
          }
        }
      } catch (err) {
        // Validated locally first, so a refusal here is a bug or a version skew: log, don't throw
        // into a caller that returned long ago.
        this.#log.error({ err, path: call.path }, "data plane refused a routing change");
      }
    };
    const next = this.#queue.then(run);
    this.#queue = next;
    return next;
  }

  /** One call; if the data plane is gone it is recovered (which pushes the mirror) and the call retried once. */
  async #call(call: ControlCall): Promise<string> {
    const conn = this.#conn;
    if (!conn) {
      throw RuntimeErrors.noBackend("data plane client is not attached");
    }
    try {
      const text = await controlRequest(conn.socket, call);
      this.#lastSeenAlive = Date.now();
      return text;
    } catch (err) {
      if (!isUnreachable(err) || this.#detached || isSameProcess(conn)) {
        throw err;
      }
      await this.#recover();
      return controlRequest(this.#conn?.socket ?? conn.socket, call);
    }
  }

  #check(): void {
    const conn = this.#conn;
    if (!conn || this.#recovering || this.#detached) {
      return;
    }
    if (isSameProcess(conn)) {
      this.#lastSeenAlive = Date.now();
      return;
    }
    this.#recover().catch((err: unknown) => this.#log.error({ err }, "data plane recovery failed"));
  }

  /** Single-flight: respawns (or finds) a data plane and pushes the whole mirror to it. */
  #recover(): Promise<void> {
    this.#recovering ??= (async () => {
      const since = this.#lastSeenAlive;
      this.#log.error({ pid: this.#conn?.pid }, "data plane is gone: restarting it");
      for (let attempt = 1; !this.#detached; attempt++) {
        try {
          const conn = await connectOrSpawn(this.#opts);
          this.#conn = conn;
          await this.#pushMirror(conn);
          const at = Date.now();
          this.#lastSeenAlive = at;
          this.#lastRecovery = { at, downMs: at - since, pid: conn.pid };
          this.#log.warn(
            { pid: conn.pid, downMs: at - since, spawned: conn.spawned },
            "data plane restarted: front doors serve again",
          );
          return;
        } catch (err) {
          this.#log.error({ err, attempt }, "data plane restart failed: retrying");
          await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)));
        }
      }
    })().finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  /** Everything the mirror holds, straight to the new data plane (not through the queue). */
  async #pushMirror(conn: DataPlaneConnection): Promise<void> {
    const send = (call: ControlCall) => controlRequest(conn.socket, call);
    for (const [service, m] of this.#mirror) {
      await send({ method: "PUT", path: `/v1/services/${service}/backends`, body: { backends: m.backends } });
      await send({
        method: "PUT",
        path: `/v1/services/${service}/weights`,
        body: { weights: m.weights ?? null },
      });
      await send({
        method: "PUT",
        path: `/v1/services/${service}/stickiness`,
        body: { stickiness: m.stickiness ?? null },
      });
      for (const id of m.draining) {
        await send({ method: "POST", path: "/v1/drain", body: { instanceId: id, timeoutMs: 0 } });
      }
      if (m.port !== undefined) {
        try {
          await send({ method: "POST", path: `/v1/services/${service}/listen`, body: { port: m.port } });
        } catch (err) {
          this.#log.error(
            { err, service, port: m.port },
            "front door could not be reopened after the restart",
          );
        }
      }
    }
  }
}

export { fetchInfo };
