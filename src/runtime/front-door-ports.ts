// Which port a service's front door listens on, kept across restarts: a port declared in line.yaml
// wins; otherwise the port stored for the service at its first start is reused; otherwise a fresh
// one is allocated and stored. Clients of the line (an MES, an HMI, a PLC bridge) are configured
// with that address once, so it must not change when lineops restarts or is upgraded.
import { RuntimeErrors } from "./errors.js";
import type { PortAllocator } from "./process/ports.js";

/**
 * Where the ports are kept (the store's FrontDoorRepository fits): structural, so the runtime layer
 * does not import the store. assign() must refuse a port that is another service's.
 */
export interface FrontDoorPortStore {
  get(service: string): { port: number } | undefined;
  assign(service: string, port: number): unknown;
  remove(service: string): unknown;
  all(): readonly { service: string; port: number }[];
}

/** The shared pool that instance ports come from too. */
export type FrontDoorPortPool = Pick<PortAllocator, "allocate" | "reserve" | "release">;

/** allocate() candidates that turn out to be another service's kept port before giving up. */
const MAX_ALLOCATE_ATTEMPTS = 64;

export class FrontDoorPorts {
  /** One resolution at a time per service: two concurrent first starts must not store two ports. */
  readonly #pending = new Map<string, Promise<number>>();

  constructor(
    private readonly store: FrontDoorPortStore,
    private readonly pool: FrontDoorPortPool,
  ) {}

  /**
   * Reserves every kept port in the pool, at start before any instance is placed: an instance must
   * never take a front door's port, even one whose service is not reconciled yet (a data plane that
   * outlived lineops may be listening on it, so they are reserved without a test bind).
   * Returns the ports reserved.
   */
  reserveAll(): number[] {
    const ports = this.store.all().map((r) => r.port);
    for (const port of ports) {
      this.pool.reserve(port);
    }
    return ports;
  }

  /**
   * The port the service's front door listens on (reserved in the pool and stored). `declared` is
   * line.yaml's `port:`: it wins over a kept port and is kept in its place. Throws
   * frontDoorPortTaken if the declared port is another service's front door.
   */
  portFor(service: string, declared?: number): Promise<number> {
    const previous = this.#pending.get(service) ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(() => this.#resolve(service, declared));
    this.#pending.set(service, next);
    const forget = () => {
      if (this.#pending.get(service) === next) {
        this.#pending.delete(service);
      }
    };
    next.then(forget, forget);
    return next;
  }

  /** The service left the line: its port is forgotten and returned to the pool. */
  remove(service: string): number | undefined {
    const kept = this.store.get(service);
    this.store.remove(service);
    if (kept) {
      this.pool.release(kept.port);
    }
    return kept?.port;
  }

  async #resolve(service: string, declared: number | undefined): Promise<number> {
    const kept = this.store.get(service);
    if (declared !== undefined) {
      return this.#useDeclared(service, declared, kept?.port);
    }
    if (kept) {
      // No test bind: the long-lived data plane may be listening on it right now.
      this.pool.reserve(kept.port);
      return kept.port;
    }
    for (let attempt = 0; attempt < MAX_ALLOCATE_ATTEMPTS; attempt++) {
      const port = await this.pool.allocate();
      // Free to bind, but possibly kept for a service not started yet (reserveAll not called, or a
      // port stored meanwhile): it stays reserved for that service, and we try the next one.
      if (this.#ownerOf(port) === undefined) {
        this.store.assign(service, port);
        return port;
      }
    }
    throw RuntimeErrors.noFreePort(
      `front door of service "${service}": ${MAX_ALLOCATE_ATTEMPTS} free ports in a row were kept for other services' front doors`,
    );
  }

  #useDeclared(service: string, declared: number, kept: number | undefined): number {
    if (!Number.isInteger(declared) || declared < 1 || declared > 65535) {
      throw RuntimeErrors.invalidFrontDoorPort(
        `front door of service "${service}": port ${String(declared)} is not a TCP port (1-65535)`,
      );
    }
    const owner = this.#ownerOf(declared);
    if (owner !== undefined && owner !== service) {
      throw RuntimeErrors.frontDoorPortTaken(
        `front door of service "${service}": port ${declared} is declared in line.yaml but is already ` +
          `the front door of service "${owner}"; declare another port for "${service}", or give ` +
          `"${owner}" a port: of its own first (its address then changes)`,
      );
    }
    if (kept !== declared) {
      this.store.assign(service, declared);
      if (kept !== undefined) {
        this.pool.release(kept);
      }
    }
    this.pool.reserve(declared);
    return declared;
  }

  #ownerOf(port: number): string | undefined {
    return this.store.all().find((r) => r.port === port)?.service;
  }
}
