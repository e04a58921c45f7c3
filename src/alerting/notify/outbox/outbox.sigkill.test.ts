// The Verify item "SIGKILL during delivery": a child process delivers from the outbox on a real
// SQLite file to a slow loopback receiver and is killed with SIGKILL while sends are in flight;
// restarted, it delivers every pending message. What is guaranteed, and asserted: every key is
// processed exactly once by a receiver that dedupes by key; a key arrives twice only if it was in
// flight at the kill (never one already marked delivered); one receipt per key.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DB_FILE, openDb } from "../../../store/db.js";
import { tempDir } from "../../../test-support/line.js";
import { waitFor } from "../../../test-support/wait.js";
import { Outbox } from "./outbox.js";
import { KeyedReceiver, testNotification } from "./test-support/keyed-receiver.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
let receiver: KeyedReceiver | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGKILL");
      await once(c, "exit");
    }
  }
  await receiver?.close();
});

/** Starts the worker process and resolves once it runs. */
async function startWorker(dataDir: string, url: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "test-support/outbox-child.ts"), dataDir, url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await waitFor(
    () => out.includes("started") || child.exitCode !== null,
    30_000,
    "the outbox worker to start",
  );
  expect(child.exitCode).toBeNull();
  return child;
}

type Row = { key: string; state: string };

function rows(dataDir: string): Row[] {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    return db.prepare("SELECT key, state FROM notification_outbox ORDER BY key").all() as Row[];
  } finally {
    db.close();
  }
}

describe("outbox under SIGKILL", () => {
  it("delivers every pending message after a kill mid-delivery, exactly once by key", async () => {
    receiver = await KeyedReceiver.start();
    receiver.delayMs = 300; // slow: a kill finds sends in flight
    const dataDir = tempDir("lineops-outbox-kill-");
    const keys = Array.from({ length: 20 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    {
      const db = openDb(dataDir);
      new Outbox({ db, channels: [] }).enqueue(
        keys.map((k) => ({ channel: "hook", notification: testNotification(k) })),
      );
      db.close();
    }

    const first = await startWorker(dataDir, receiver.url);
    await waitFor(
      () => receiver!.processed.length >= 4 && receiver!.inFlight >= 1,
      30_000,
      "deliveries under way",
    );
    const inFlightAtKill = receiver.inFlight;
    first.kill("SIGKILL");
    await once(first, "exit");
    expect(first.signalCode).toBe("SIGKILL");
    expect(inFlightAtKill).toBeGreaterThan(0);
    // The receiver still finishes (processes) what was in flight: the ack is what got lost.
    await waitFor(() => receiver!.inFlight === 0, 10_000, "the receiver to finish the requests in flight");
    const deliveredBeforeRestart = rows(dataDir)
      .filter((r) => r.state === "delivered")
      .map((r) => r.key);
    expect(deliveredBeforeRestart.length).toBeLessThan(keys.length);
    // Sent by the killed worker but not recorded as delivered: in flight, or acked but not yet committed.
    const unconfirmed = [...new Set(receiver.received)].filter((k) => !deliveredBeforeRestart.includes(k));
    expect(unconfirmed.length).toBeGreaterThan(0);

    const second = await startWorker(dataDir, receiver.url);
    await waitFor(
      () => rows(dataDir).every((r) => r.state === "delivered"),
      60_000,
      "every message delivered",
    );
    second.kill("SIGTERM");
    await once(second, "exit");

    // The receiver's view, deduplicated by key: each message exactly once.
    expect([...receiver.processed].sort()).toEqual(keys);
    // Duplicate arrivals only for keys whose ack the kill lost (at most one per concurrent send),
    // never for one stored as delivered.
    expect(receiver.duplicates().length).toBeLessThanOrEqual(2);
    for (const k of receiver.duplicates()) {
      expect(unconfirmed).toContain(k);
    }
    for (const k of deliveredBeforeRestart) {
      expect(receiver.arrivals.get(k)).toBe(1);
    }
    // One receipt per key, in the same database the worker wrote.
    const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
    try {
      const receipts = db.prepare("SELECT key, detail FROM notification_receipts ORDER BY key").all();
      expect(receipts).toEqual(keys.map((key) => ({ key, detail: "HTTP 200" })));
    } finally {
      db.close();
    }
  });
});
