// The storages the conformance suite runs on: MemoryStorage (the engine's reference) and the real
// TSDB, opened in a temp dir, loaded through its appender and compacted so queries read blocks and
// the head as in production. A case that passes on one and fails on the other is a storage bug.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labelsKey, type Labels, type Storage } from "../../model.js";
import { Tsdb } from "../../tsdb/tsdb.js";
import { MemoryStorage } from "../test-support/memory-storage.js";

export const STORAGE_KINDS = ["memory", "tsdb"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** A storage a script loads samples into (series by series, in time order) and then queries. */
export interface ScriptStorage {
  readonly storage: Storage;
  add(labels: Labels, t: number, v: number): void;
  /** Called after each `load` command. */
  loaded(): void;
  close(): void;
}

export function openScriptStorage(kind: StorageKind): ScriptStorage {
  return kind === "memory" ? memoryStorage() : tsdbStorage();
}

function memoryStorage(): ScriptStorage {
  const storage = new MemoryStorage();
  return {
    storage,
    add: (labels, t, v) => storage.add(labels, t, v),
    loaded: () => {},
    close: () => {},
  };
}

function tsdbStorage(): ScriptStorage {
  const dir = mkdtempSync(join(tmpdir(), "lineops-promqltest-"));
  // Scripts load data from 1970 on: no retention, no clock bound, no background cuts.
  const db = Tsdb.open(dir, {
    autoCompact: false,
    keepAll: true,
    walFlushIntervalMs: 0,
    now: () => 8.64e15,
  });
  // A load command may give a series twice (the later value wins, as in Prometheus's runner): the
  // samples are collected per series and appended in time order when the command ends.
  const pending = new Map<string, { labels: Labels; byT: Map<number, number> }>();
  return {
    storage: db,
    add: (labels, t, v) => {
      const k = labelsKey(labels);
      let e = pending.get(k);
      if (!e) {
        e = { labels, byT: new Map() };
        pending.set(k, e);
      }
      e.byT.set(t, v);
    },
    loaded: () => {
      const app = db.appender();
      for (const { labels, byT } of pending.values()) {
        for (const t of [...byT.keys()].sort((a, b) => a - b)) {
          app.append(labels, t, byT.get(t)!); // a refused sample fails the file loudly
        }
      }
      app.commit();
      pending.clear();
      db.compact(); // cut what is due, so queries read blocks and the head as in production
    },
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
