// readJsonBody and the validators: bad input must always become an HttpError, never a crash.
import { Readable } from "node:stream";
import type { IncomingMessage } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asObject, readJsonBody, requireString } from "./body.js";
import { HttpError } from "./http-error.js";

function request(body: string | Buffer, headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers }) as unknown as IncomingMessage;
}

async function statusOf(promise: Promise<unknown>): Promise<number | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return (err as HttpError).status;
  }
}

describe("readJsonBody", () => {
  it("parses JSON and treats an empty body as undefined", async () => {
    expect(await readJsonBody(request('{"a":1}'))).toEqual({ a: 1 });
    expect(await readJsonBody(request("  "))).toBeUndefined();
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    await expect(readJsonBody(request("{oops"))).rejects.toMatchObject({ status: 400, code: "invalid_json" });
  });

  it("answers a body over the limit with 413, whether or not content-length announced it", async () => {
    const big = "x".repeat(2_000);
    expect(await statusOf(readJsonBody(request(big), 1_000))).toBe(413);
    expect(await statusOf(readJsonBody(request("{}", { "content-length": "999999" }), 1_000))).toBe(413);
    expect(await statusOf(readJsonBody(request(`"${"y".repeat(998)}"`), 1_000))).toBe("ok");
  });

  it("never throws anything but an HttpError 400 on arbitrary input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (text) => {
        const status = await statusOf(readJsonBody(request(text)));
        expect([400, "ok"]).toContain(status);
      }),
      { numRuns: 200 },
    );
  });
});

describe("validators", () => {
  it("asObject rejects arrays, null and scalars but accepts an absent body", () => {
    expect(asObject(undefined)).toEqual({});
    for (const bad of [[], null, 3, "s"]) {
      expect(() => asObject(bad)).toThrow(HttpError);
    }
  });

  it("requireString accepts strings and numbers, rejects blanks and objects", () => {
    expect(requireString({ s: "1" }, "s")).toBe("1");
    expect(requireString({ s: 2 }, "s")).toBe("2");
    for (const bad of [{}, { s: "" }, { s: " " }, { s: {} }, { s: Number.NaN }]) {
      expect(() => requireString(bad, "s")).toThrow(/"s" is required/);
    }
  });
});
