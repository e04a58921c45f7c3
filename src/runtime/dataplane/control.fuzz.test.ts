// Control-socket abuse: bad JSON, unknown fields, wrong types, huge bodies, unknown paths, raw
// garbage. Each gets a 4xx naming what is wrong, and the data plane keeps running and serving.
import http from "node:http";
import net from "node:net";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { fuzzParams } from "../../test-support/fuzz.js";
import { httpRequest } from "../test-support/helpers.js";
import { MAX_BODY_BYTES } from "./protocol.js";
import { connectOrSpawn } from "./spawn.js";
import { dataPlaneHarness } from "./test-support/harness.js";

const h = dataPlaneHarness();

type Answer = { status: number; body: string };

/** A raw request on the socket, so bodies the client would never send can be sent. */
function raw(socketPath: string, method: string, path: string, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function started() {
  const dir = h.dataDir();
  const conn = await connectOrSpawn(h.spawnOptions(dir));
  const b1 = await h.backend("b1");
  const put = await raw(
    conn.socket,
    "PUT",
    "/v1/services/press/backends",
    JSON.stringify({ backends: [{ instanceId: "b1", host: b1.host, port: b1.port }] }),
  );
  expect(put.status).toBe(200);
  const listen = await raw(conn.socket, "POST", "/v1/services/press/listen", JSON.stringify({ port: 0 }));
  expect(listen.status).toBe(200);
  const url = (JSON.parse(listen.body) as { url: string }).url;
  return { conn, url };
}

describe("data plane control socket", () => {
  it("answers malformed requests with a 4xx naming the field, and keeps serving", async () => {
    const { conn, url } = await started();
    const s = conn.socket;
    const cases: [string, string, string | undefined, number, RegExp][] = [
      ["PUT", "/v1/services/press/backends", "{not json", 400, /body is not JSON/],
      ["PUT", "/v1/services/press/backends", '{"backends":[],"extra":1}', 400, /Unrecognized key.*extra/],
      [
        "PUT",
        "/v1/services/press/backends",
        '{"backends":[{"instanceId":"a","host":"h","port":"80"}]}',
        400,
        /backends\[0\]\.port/,
      ],
      [
        "PUT",
        "/v1/services/press/backends",
        '{"backends":[{"instanceId":"a","host":"h","port":70000}]}',
        400,
        /backends\[0\]\.port/,
      ],
      ["PUT", "/v1/services/Bad_Name/backends", '{"backends":[]}', 400, /lowercase letters/],
      ["PUT", "/v1/services/press/weights", '{"weights":{"stable":"100"}}', 400, /weights\.stable/],
      ["PUT", "/v1/services/press/weights", '{"weights":{"stable":40}}', 400, /sum to 40, not 100/],
      ["PUT", "/v1/services/press/stickiness", '{"stickiness":{"cookie":"a b"}}', 400, /invalid/],
      ["POST", "/v1/services/press/listen", '{"port":-1}', 400, /port/],
      ["POST", "/v1/drain", '{"instanceId":"b1","timeoutMs":99999999999}', 400, /timeoutMs/],
      ["POST", "/v1/drain", "[]", 400, /body/],
      ["POST", "/v1/tls/reload", "{}", 400, /started without TLS/],
      ["POST", "/v1/shutdown", '{"now":true}', 400, /now/],
      ["GET", "/v1/nothing", undefined, 404, /no such control path/],
      ["DELETE", "/v1/services/press/backends", undefined, 405, /not allowed/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const a = await raw(s, method, path, body);
      expect({ method, path, status: a.status }).toEqual({ method, path, status });
      expect((JSON.parse(a.body) as { error: string }).error).toMatch(message);
    }
    const huge = await raw(s, "PUT", "/v1/services/press/backends", Buffer.alloc(MAX_BODY_BYTES + 10, 0x20));
    expect(huge.status).toBe(413);
    // Garbage that is not HTTP at all.
    const garbage = await new Promise<string>((resolve) => {
      const c = net.connect(s);
      let text = "";
      c.on("data", (d) => (text += d.toString()));
      c.on("close", () => resolve(text));
      c.on("error", () => resolve(text));
      c.end("\x00\x01GARBAGE\r\n\r\n");
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    // The front door never noticed: its table is what it was.
    expect((await httpRequest(url)).body).toBe("b1");
    const info = JSON.parse((await raw(s, "GET", "/v1/info")).body) as { pid: number };
    expect(info.pid).toBe(conn.pid);
  });

  it("survives random bodies on every control path (fast-check)", async () => {
    const { conn, url } = await started();
    const paths = [
      ["PUT", "/v1/services/fuzz/backends"],
      ["PUT", "/v1/services/fuzz/weights"],
      ["PUT", "/v1/services/fuzz/stickiness"],
      ["POST", "/v1/services/fuzz/listen"],
      ["POST", "/v1/drain"],
      ["POST", "/v1/tls/reload"],
    ] as const;
    const body = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 200 }),
      fc.record({
        backends: fc.array(fc.record({ instanceId: fc.string(), host: fc.string(), port: fc.integer() }), {
          maxLength: 3,
        }),
      }),
      fc.record({ weights: fc.dictionary(fc.string({ maxLength: 8 }), fc.double()) }),
      fc.record({ instanceId: fc.string({ maxLength: 8 }), timeoutMs: fc.integer({ min: -10, max: 50 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, async ([method, path], b) => {
        const text = typeof b === "string" ? b : JSON.stringify(b);
        const a = await raw(conn.socket, method, path, text);
        // 2xx for the odd valid body, 4xx otherwise; never a 5xx, never a dropped connection.
        expect(a.status).toBeLessThan(500);
        if (a.status >= 400) {
          expect((JSON.parse(a.body) as { error: string }).error.length).toBeGreaterThan(0);
        }
      }),
      fuzzParams(150),
    );
    const info = JSON.parse((await raw(conn.socket, "GET", "/v1/info")).body) as { pid: number };
    expect(info.pid).toBe(conn.pid);
    // Changes to another service left press as it was.
    expect((await httpRequest(url)).body).toBe("b1");
  });
});
