// The data plane's state: the Router with its front doors, the routing table that mirrors it
// (persisted after every change), the front doors' request metrics and the TLS files. The control
// server calls it; it knows nothing of sockets or HTTP framing.
import fs from "node:fs";
import type net from "node:net";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";

import type { Logger } from "pino";
import { Registry } from "prom-client";

import { registerRouterRequestMetrics } from "../router/request-metrics.js";
import { Router } from "../router/router.js";
import type { Backend, Stickiness } from "../router/router.js";
import { DataPlaneErrors } from "./errors.js";
import { currentBuild } from "./identity.js";
import type { DrainAnswer, Info, ListenAnswer, ServiceEntry, Table } from "./protocol.js";
import { PROTOCOL_VERSION } from "./protocol.js";
import { loadTable, saveTable } from "./table-file.js";
import { readStartTimeTicks } from "../process/pidfile.js";

/** A front door's listening socket received from the predecessor. */
export type HandedDoor = {
  port: number;
  handle: net.Server;
  /** Connections it accepted before the router listened on it (to be given to the router's server). */
  takeEarly(): net.Socket[];
};

export type TlsPaths = { certFile: string; keyFile: string };

export type DataPlaneOptions = {
  logger: Logger;
  host: string;
  tablePath: string;
  tls?: TlsPaths;
  /** In-flight requests get this long to finish when the data plane stops (default 10 s). */
  graceMs?: number;
};

type TlsState = { paths: TlsPaths; options: tls.SecureContextOptions; fingerprint: string; validTo: string };

/** Reads and checks a certificate/key pair; the error names the file at fault, never its content. */
export function readTlsPair(paths: TlsPaths): Omit<TlsState, "paths"> {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw DataPlaneErrors.tlsFiles(`${what}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const cert = read(paths.certFile, "certFile");
  const key = read(paths.keyFile, "keyFile");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw DataPlaneErrors.tlsFiles(`certFile: ${paths.certFile} is not a PEM certificate`);
  }
  const options = { cert, key };
  try {
    tls.createSecureContext(options);
  } catch {
    throw DataPlaneErrors.tlsFiles(
      `keyFile: ${paths.keyFile} is not the private key of ${paths.certFile} (or not a readable key)`,
    );
  }
  return { options, fingerprint: leaf.fingerprint256, validTo: leaf.validTo };
}

export class DataPlane {
  readonly router: Router;
  readonly registry = new Registry();
  readonly #log: Logger;
  readonly #tablePath: string;
  readonly #graceMs: number;
  readonly #startedAt = Date.now();
  readonly #services = new Map<string, ServiceEntry>();
  #tls: TlsState | undefined;

  constructor(opts: DataPlaneOptions) {
    this.#log = opts.logger;
    this.#tablePath = opts.tablePath;
    this.#graceMs = opts.graceMs ?? 10_000;
    this.#tls = opts.tls ? { paths: opts.tls, ...readTlsPair(opts.tls) } : undefined;
    const observe = registerRouterRequestMetrics(this.registry);
    this.router = new Router({
      logger: opts.logger,
      host: opts.host,
      onRequest: observe,
      ...(this.#tls ? { tls: this.#tls.options } : {}),
    });
  }

  /**
   * Reopens the front doors of the last table with their backends, weights, stickiness and
   * drained instances (on the sockets `handed` over by a predecessor where given). A door whose
   * port is taken stays closed (logged); the rest serve.
   */
  async restore(handed: ReadonlyMap<string, HandedDoor> = new Map()): Promise<void> {
    const loaded = loadTable(this.#tablePath);
    if ("problem" in loaded) {
      this.#log.error({ problem: loaded.problem }, "routing table unreadable: starting with an empty table");
    }
    for (const [service, entry] of Object.entries(loaded.table.services)) {
      try {
        this.#apply(service, entry);
        this.#services.set(service, structuredClone(entry));
        const door = handed.get(service);
        if (door) {
          // The predecessor's listening socket: the port never closed.
          await this.router.listen(service, door.port, { handle: door.handle });
          const server = this.router.listeningServers().find((d) => d.service === service)?.server;
          for (const socket of door.takeEarly()) {
            server?.emit("connection", socket);
          }
          if (entry.port !== door.port) {
            this.#services.set(service, { ...structuredClone(entry), port: door.port });
          }
        } else if (entry.port !== undefined) {
          await this.router.listen(service, entry.port);
        }
      } catch (err) {
        this.#log.error({ service, port: entry.port, err }, "cannot restore front door from the table");
        // Not listening: the table says so, and lineops's listen then reports the conflict.
        const restored = this.#services.get(service);
        if (restored) {
          delete restored.port;
        }
      }
    }
    this.#log.info({ services: this.#services.size }, "routing table restored");
  }

  #apply(service: string, e: ServiceEntry): void {
    this.router.setBackends(service, e.backends);
    this.router.setWeights(service, e.weights);
    this.router.setStickiness(service, e.stickiness);
    for (const id of e.draining) {
      void this.router.drain(id, 0);
    }
  }

  #entry(service: string): ServiceEntry {
    let e = this.#services.get(service);
    if (!e) {
      e = { backends: [], draining: [] };
      this.#services.set(service, e);
    }
    return e;
  }

  #persist(): void {
    saveTable(this.#tablePath, this.table());
  }

  table(): Table {
    return { services: Object.fromEntries([...this.#services].map(([s, e]) => [s, structuredClone(e)])) };
  }

  info(): Info {
    return {
      protocol: PROTOCOL_VERSION,
      build: currentBuild(),
      pid: process.pid,
      startTime: readStartTimeTicks(process.pid),
      uptimeSeconds: (Date.now() - this.#startedAt) / 1000,
      host: this.router.host,
      tls: this.#tls ? { fingerprint: this.#tls.fingerprint, validTo: this.#tls.validTo } : null,
    };
  }

  async listen(service: string, port: number): Promise<ListenAnswer> {
    const address = await this.router.listen(service, port === 0 ? undefined : port);
    const e = this.#entry(service);
    if (e.port !== address.port) {
      e.port = address.port;
      this.#persist();
    }
    return address;
  }

  setBackends(service: string, backends: Backend[]): void {
    this.router.setBackends(service, backends);
    const e = this.#entry(service);
    e.backends = structuredClone(backends);
    const listed = new Set(backends.map((b) => b.instanceId));
    e.draining = e.draining.filter((id) => listed.has(id));
    this.#persist();
  }

  setWeights(service: string, weights: Record<string, number> | undefined): void {
    this.router.setWeights(service, weights);
    const e = this.#entry(service);
    const stored = this.router.weightsOf(service);
    if (stored === undefined) {
      delete e.weights;
    } else {
      e.weights = stored;
    }
    this.#persist();
  }

  setStickiness(service: string, stickiness: Stickiness | undefined): void {
    this.router.setStickiness(service, stickiness);
    const e = this.#entry(service);
    if (stickiness === undefined) {
      delete e.stickiness;
    } else {
      e.stickiness = { ...stickiness };
    }
    this.#persist();
  }

  async drain(instanceId: string, timeoutMs: number): Promise<DrainAnswer> {
    // Recorded before waiting, so a restart during a long drain keeps the instance out of rotation.
    for (const e of this.#services.values()) {
      if (e.backends.some((b) => b.instanceId === instanceId) && !e.draining.includes(instanceId)) {
        e.draining.push(instanceId);
        this.#persist();
      }
    }
    return this.router.drain(instanceId, timeoutMs);
  }

  /** Re-reads the certificate and key (optionally from new paths); a bad pair keeps the running one. */
  reloadTls(paths: Partial<TlsPaths>): { fingerprint: string; validTo: string } {
    if (!this.#tls) {
      throw DataPlaneErrors.badRequest("this data plane was started without TLS (--tls-cert, --tls-key)");
    }
    const next = { ...this.#tls.paths, ...paths };
    const pair = readTlsPair(next);
    this.router.setSecureContext(pair.options);
    this.#tls = { paths: next, ...pair };
    this.#log.info({ fingerprint: pair.fingerprint, validTo: pair.validTo }, "TLS certificate reloaded");
    return { fingerprint: pair.fingerprint, validTo: pair.validTo };
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops accepting, lets requests in flight finish (up to graceMs), then closes everything. */
  close(): Promise<void> {
    return this.router.close({ graceMs: this.#graceMs });
  }
}
