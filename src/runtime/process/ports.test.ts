import net from "node:net";

import { describe, expect, it } from "vitest";

import { PortAllocator, canBind } from "./ports.js";

describe("PortAllocator", () => {
  it("never hands out a reserved port, and reuses it once released", async () => {
    const ports = new PortAllocator("127.0.0.1", { min: 29000, max: 29003 });
    const got = await Promise.all([ports.allocate(), ports.allocate(), ports.allocate()]);
    expect(new Set(got).size).toBe(3);
    const fourth = await ports.allocate();
    expect(got).not.toContain(fourth);
    await expect(ports.allocate()).rejects.toMatchObject({ code: "LINEOPS_ERR_NO_FREE_PORT" });
    ports.release(fourth);
    expect(await ports.allocate()).toBe(fourth);
  });

  it("skips ports someone else has bound", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(29010, "127.0.0.1", r));
    try {
      expect(await canBind("127.0.0.1", 29010)).toBe(false);
      const ports = new PortAllocator("127.0.0.1", { min: 29010, max: 29011 });
      expect(await ports.allocate()).toBe(29011);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  // Front doors bind on web.front_doors.host, instances on 127.0.0.1: a port taken on either is not
  // free (the allocator once test-bound on the API's host only, so a front door could hit EADDRINUSE).
  it("skips a port taken on any of its hosts", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(29020, "127.0.0.2", r));
    try {
      expect(await canBind("127.0.0.1", 29020)).toBe(true);
      const ports = new PortAllocator(["127.0.0.1", "127.0.0.2"], { min: 29020, max: 29021 });
      expect(await ports.allocate()).toBe(29021);
      await expect(ports.allocate()).rejects.toMatchObject({ code: "LINEOPS_ERR_NO_FREE_PORT" });
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
