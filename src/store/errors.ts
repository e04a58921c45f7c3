// Errors raised by the state store: a database written by a newer lineops (refused before anything
// is written), an unreadable database file, and a front-door port that already belongs to another
// service.
import { defineError } from "../errors.js";

export const StoreErrors = {
  /**
   * The database holds migrations this build does not know: a newer lineops wrote it. Opening it
   * would run old code on a schema it cannot read correctly, so start refuses instead.
   */
  newerSchema: defineError("LINEOPS_ERR_STORE_NEWER_SCHEMA", 503, "unavailable"),
  /** lineops.db exists but SQLite cannot read it (not a database, or damaged). */
  unreadable: defineError("LINEOPS_ERR_STORE_UNREADABLE", 500, "internal"),
  /** assign() of a port that is already another service's front door (the UNIQUE constraint). */
  frontDoorPortTaken: defineError("LINEOPS_ERR_STORE_FRONT_DOOR_PORT_TAKEN", 409, "conflict"),
} as const;
