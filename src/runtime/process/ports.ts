// Hands out free loopback ports for instances (and router front doors), never the same port twice
// while it is reserved. Ports come from a range below Linux's ephemeral range (32768+), so outgoing
// client connections cannot grab a port between allocation and the instance binding it.
import net from "node:net";

import { RuntimeErrors } from "../errors.js";

export type PortRange = { min: number; max: number };

export class PortAllocator {
  readonly #reserved = new Set<number>();
  readonly #hosts: readonly string[];

  /**
   * `hosts`: every address a port from this pool will be bound on (instances on loopback, front
   * doors on web.front_doors.host); a port is free only if it binds on all of them.
   */
  constructor(
    hosts: string | readonly string[] = "127.0.0.1",
    private readonly range: PortRange = { min: 20000, max: 32000 },
  ) {
    this.#hosts = [...new Set(typeof hosts === "string" ? [hosts] : hosts)];
  }

  /** Reserves a port that is free right now (test-bound) and not reserved by this allocator. */
  async allocate(): Promise<number> {
    const span = this.range.max - this.range.min + 1;
    // Random start, then linear scan: parallel allocators (other runtimes, test workers) rarely collide.
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < Math.min(span, 200); i++) {
      const port = this.range.min + ((start + i) % span);
      if (this.#reserved.has(port)) {
        continue;
      }
      if (await canBindAll(this.#hosts, port)) {
        // Re-check: another allocate() may have reserved it while we were test-binding.
        if (this.#reserved.has(port)) {
          continue;
        }
        this.#reserved.add(port);
        return port;
      }
    }
    throw RuntimeErrors.noFreePort(
      `no free port on ${this.#hosts.join(", ")} in ${this.range.min}-${this.range.max}`,
    );
  }

  /** Marks a port as taken (e.g. one bound by someone else through this allocator's pool). */
  reserve(port: number): void {
    this.#reserved.add(port);
  }

  release(port: number): void {
    this.#reserved.delete(port);
  }

  isReserved(port: number): boolean {
    return this.#reserved.has(port);
  }
}

async function canBindAll(hosts: readonly string[], port: number): Promise<boolean> {
  for (const host of hosts) {
    if (!(await canBind(host, port))) {
      return false;
    }
  }
  return true;
}

export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
