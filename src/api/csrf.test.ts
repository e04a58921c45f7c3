// The cross-site checks on their own: which Origin and Sec-Fetch-Site headers pass for which Host.
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { refuseCrossSite } from "./csrf.js";

const request = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;
const verdict = (headers: Record<string, string>) => {
  try {
    refuseCrossSite(request(headers));
    return "pass";
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe("refuseCrossSite", () => {
  it.each([
    [{ host: "127.0.0.1:9470" }, "pass"], // curl: no browser headers at all
    [{ host: "127.0.0.1:9470", "sec-fetch-site": "same-origin" }, "pass"],
    [{ host: "127.0.0.1:9470", origin: "http://127.0.0.1:9470" }, "pass"],
    [{ host: "ops.example", origin: "https://ops.example" }, "pass"], // behind a TLS proxy
    [{ host: "localhost:80", origin: "http://localhost" }, "pass"], // default port on one side
    [{ host: "ops.example:443", origin: "https://ops.example" }, "pass"],
    [{ host: "127.0.0.1:9470", "sec-fetch-site": "cross-site" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", "sec-fetch-site": "same-site" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", "sec-fetch-site": "none" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", origin: "http://127.0.0.1:9471" }, "LINEOPS_ERR_CSRF"], // another port
    [{ host: "127.0.0.1:9470", origin: "http://evil.example" }, "LINEOPS_ERR_CSRF"],
    [{ host: "ops.example", origin: "http://ops.example.evil.example" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", origin: "null" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", origin: "file://" }, "LINEOPS_ERR_CSRF"],
    [{ host: "127.0.0.1:9470", origin: "" }, "LINEOPS_ERR_CSRF"],
    [{ origin: "http://127.0.0.1:9470" }, "LINEOPS_ERR_CSRF"], // no Host to compare with
  ])("%j: %s", (headers, expected) => {
    expect(verdict(headers)).toBe(expected);
  });
});
