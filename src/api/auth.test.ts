// Deny by default: a route that does not declare who may call it cannot be registered at all.
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { declareRoutes, routeTable } from "./auth.js";

const app = () => {
  const a = Fastify();
  declareRoutes(a);
  return a;
};

describe("declareRoutes", () => {
  it.each([
    ["no config", {}],
    ["a config without role", { config: { readOnly: true } }],
    ["an unknown role", { config: { role: "root" } }],
  ])("refuses a route with %s at registration", (_what, opts) => {
    const a = app();
    expect(() => a.get("/api/v1/x", opts as object, async () => "ok")).toThrow(
      expect.objectContaining({ code: "LINEOPS_ERR_ROUTE_UNDECLARED" }),
    );
    expect(routeTable(a)).toEqual([]);
  });

  it.each(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])(
    "refuses a route that changes state and accepts %s (no CORS preflight protects it)",
    (type) => {
      const a = app();
      expect(() =>
        a.post("/api/v1/x", { config: { role: "admin", accepts: [type] } }, async () => "ok"),
      ).toThrow(expect.objectContaining({ code: "LINEOPS_ERR_ROUTE_UNDECLARED" }));
    },
  );

  it("records declared routes, with the HEAD twin of each GET", () => {
    const a = app();
    a.get("/-/healthy", { config: { role: "public" } }, async () => "ok");
    a.post(
      "/api/v1/query",
      { config: { role: "viewer", readOnly: true, accepts: ["application/x-www-form-urlencoded"] } },
      async () => "ok",
    );
    expect(routeTable(a)).toEqual([
      { method: "GET", url: "/-/healthy", role: "public", accepts: [], readOnly: false },
      { method: "HEAD", url: "/-/healthy", role: "public", accepts: [], readOnly: false },
      {
        method: "POST",
        url: "/api/v1/query",
        role: "viewer",
        accepts: ["application/x-www-form-urlencoded"],
        readOnly: true,
      },
    ]);
  });
});
