// Front-door ports: each service's port, allocated once and kept here so the service's address
// (what an MES, an HMI or a PLC bridge is configured with) stays the same across restarts and
// upgrades of lineops. A port belongs to at most one service (UNIQUE).
import type { Db } from "./db.js";
import { StoreErrors } from "./errors.js";

export type FrontDoorRecord = { service: string; port: number; assignedAt: number };

type Row = { service: string; port: number; assigned_at: number };

const toRecord = (r: Row): FrontDoorRecord => ({
  service: r.service,
  port: r.port,
  assignedAt: r.assigned_at,
});

export class FrontDoorRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  get(service: string): FrontDoorRecord | undefined {
    const row = this.db.prepare("SELECT * FROM front_doors WHERE service = ?").get(service) as
      Row | undefined;
    return row && toRecord(row);
  }

  /** The service whose front door has `port`, if any. */
  ownerOf(port: number): FrontDoorRecord | undefined {
    const row = this.db.prepare("SELECT * FROM front_doors WHERE port = ?").get(port) as Row | undefined;
    return row && toRecord(row);
  }

  /**
   * Gives `service` the front-door port `port` (replacing its previous one). Re-assigning the port
   * it already has changes nothing, so assigned_at stays the time the address was first handed out.
   * Throws frontDoorPortTaken if the port is another service's.
   */
  assign(service: string, port: number): FrontDoorRecord {
    return this.db.transaction((): FrontDoorRecord => {
      const owner = this.ownerOf(port);
      if (owner && owner.service !== service) {
        throw StoreErrors.frontDoorPortTaken(
          `front door of service "${service}": port ${port} is already the front door of service "${owner.service}"`,
        );
      }
      if (owner) {
        return owner;
      }
      const at = this.now();
      this.db
        .prepare(
          `INSERT INTO front_doors (service, port, assigned_at) VALUES (?, ?, ?)
           ON CONFLICT (service) DO UPDATE SET port = excluded.port, assigned_at = excluded.assigned_at`,
        )
        .run(service, port, at);
      return { service, port, assignedAt: at };
    })();
  }

  /** Forgets the service's port (the service left the line); true if it had one. */
  remove(service: string): boolean {
    return this.db.prepare("DELETE FROM front_doors WHERE service = ?").run(service).changes > 0;
  }

  /** Every assigned port, by service name. */
  all(): FrontDoorRecord[] {
    return (this.db.prepare("SELECT * FROM front_doors ORDER BY service").all() as Row[]).map(toRecord);
  }
}
