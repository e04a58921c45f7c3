import { describe, expect, it } from "vitest";
import { ARGON2_PARAMS, hashPassword, verifyNobody, verifyPassword, WorkGate } from "./password.js";

describe("password hashing", () => {
  it("stores argon2id with OWASP's parameters in a salted PHC string", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a).not.toBe(b); // a fresh salt each time
    expect(a).not.toContain("correct horse");
    expect(ARGON2_PARAMS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  });

  it("verifies the right password and refuses a wrong one, a malformed hash and an unknown user", async () => {
    const stored = await hashPassword("s3cret-pass");
    expect(await verifyPassword(stored, "s3cret-pass")).toBe(true);
    expect(await verifyPassword(stored, "s3cret-pasS")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
    expect(await verifyPassword("not a hash", "s3cret-pass")).toBe(false);
    expect(await verifyPassword("$argon2id$v=19$m=1,t=1,p=1$$", "x")).toBe(false);
    expect(await verifyNobody("s3cret-pass")).toBe(false);
  });
});

describe("WorkGate", () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it("runs at most `concurrency` jobs, queues up to `queue` more and refuses the rest with 429", async () => {
    const gate = new WorkGate(2, 3);
    const jobs = Array.from({ length: 5 }, deferred);
    let started = 0;
    const runs = jobs.map((j) =>
      gate.run(async () => {
        started++;
        await j.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toBe(2);
    expect(gate.busy).toEqual({ running: 2, waiting: 3 });
    await expect(gate.run(async () => undefined)).rejects.toMatchObject({
      code: "LINEOPS_ERR_TOO_MANY_REQUESTS",
      httpStatus: 429,
      retryAfterSeconds: 1,
    });
    jobs.forEach((j) => j.resolve());
    await Promise.all(runs);
    expect(started).toBe(5);
    expect(gate.busy).toEqual({ running: 0, waiting: 0 });
  });

  it("frees its slot when a job fails", async () => {
    const gate = new WorkGate(1, 0);
    await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(async () => 7)).toBe(7);
  });
});
