// Serving the web app: caching headers, precompressed bodies by Accept-Encoding, ETags, the app
// shell for the app's own URLs only, and no way from a URL to a file outside the bundle.
import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import Fastify from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLineops, type Lineops } from "../../main.js";
import { injectApi } from "../../test-support/api.js";
import { tempDir } from "../../test-support/line.js";
import { declareRoutes } from "../auth.js";
import { toEnvelope } from "../errors.js";
import { loadWebBundle, negotiateEncoding, webRoutes } from "./web.js";

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-4f3a9c.js"></script></head></html>';
const APP_JS = `console.log(${JSON.stringify("lineops ".repeat(200))});`;
const ICON = "<svg xmlns='http://www.w3.org/2000/svg'/>";

/** A bundle as the build writes it: index.html and hashed assets, with gzip and brotli twins. */
function writeBundle(dir: string): string {
  const web = path.join(dir, "web");
  mkdirSync(path.join(web, "assets"), { recursive: true });
  const put = (rel: string, body: string, twins = true) => {
    const file = path.join(web, rel);
    writeFileSync(file, body);
    if (twins) {
      writeFileSync(`${file}.gz`, gzipSync(body));
      writeFileSync(`${file}.br`, brotliCompressSync(body));
    }
  };
  put("index.html", INDEX);
  put("assets/app-4f3a9c.js", APP_JS);
  put("assets/icon-77aa.svg", ICON, false);
  // Outside assets/: never served, whatever the URL.
  writeFileSync(path.join(dir, "secret.txt"), "not for the web");
  return web;
}

let lineops: Lineops;
const inject = injectApi(() => lineops);
const get = (url: string, headers: Record<string, string> = {}) =>
  lineops.inject({ method: "GET", url, headers });

/** Sends the path byte for byte over a socket (inject, like fetch, resolves dot-segments first). */
function rawGet(pathText: string, accept = "text/html"): Promise<{ status: number; body: string }> {
  const url = new URL(lineops.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: "GET", path: pathText, headers: { accept } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const dir = tempDir("lineops-web-route-");
  lineops = await startLineops({
    dataDir: path.join(dir, "data"),
    port: 0,
    logger: pino({ level: "silent" }),
    webDir: writeBundle(dir),
  });
});

afterAll(async () => {
  await lineops?.stop();
});

describe("the app shell at /", () => {
  it("is public, revalidated, and carries the strict security headers", async () => {
    const res = await get("/");
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      vary: "Accept-Encoding",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    expect(res.headers.etag).toMatch(/^"[\w-]{22}"$/);
    const csp = String(res.headers["content-security-policy"]);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp.split("; ")).toContain(directive);
    }
    expect(csp).not.toContain("unsafe");
  });

  it.each([
    ["br", "br", (b: Buffer) => brotliDecompressSync(b)],
    ["gzip, deflate, br", "br", (b: Buffer) => brotliDecompressSync(b)],
    ["br;q=0.5, gzip", "gzip", (b: Buffer) => gunzipSync(b)],
    ["gzip", "gzip", (b: Buffer) => gunzipSync(b)],
    ["identity", undefined, (b: Buffer) => b],
    ["br;q=0, gzip;q=0", undefined, (b: Buffer) => b],
  ])("Accept-Encoding %j gets %s, the same bytes once decoded", async (accept, encoding, decode) => {
    const res = await get("/assets/app-4f3a9c.js", { "accept-encoding": accept });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-encoding"]).toBe(encoding);
    expect(res.headers.vary).toBe("Accept-Encoding");
    expect(decode(res.rawPayload).toString()).toBe(APP_JS);
  });

  it("answers a matching If-None-Match with 304, per encoding", async () => {
    const first = await get("/", { "accept-encoding": "gzip" });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/-gzip"$/);
    const again = await get("/", { "accept-encoding": "gzip", "if-none-match": `W/"x", ${etag}` });
    expect([again.statusCode, again.body]).toEqual([304, ""]);
    // The same tag names the gzip body: a client that now wants br gets the br body, not a 304.
    expect((await get("/", { "accept-encoding": "br", "if-none-match": etag })).statusCode).toBe(200);
  });
});

describe("hashed assets", () => {
  it("are cached for a year as immutable, with their media type", async () => {
    const js = await get("/assets/app-4f3a9c.js");
    expect(js.headers).toMatchObject({
      "cache-control": "public, max-age=31536000, immutable",
      "content-type": "text/javascript; charset=utf-8",
    });
    const svg = await get("/assets/icon-77aa.svg", { "accept-encoding": "br" });
    // No twin on disk: identity serves every client.
    expect([svg.statusCode, svg.headers["content-encoding"], svg.headers["content-type"], svg.body]).toEqual([
      200,
      undefined,
      "image/svg+xml",
      ICON,
    ]);
  });

  it.each([
    "/assets/missing-123.js",
    "/assets/app-4f3a9c.js.gz",
    "/assets/..%2Findex.html",
    "/assets/..%2F..%2Fsecret.txt",
    "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/assets/..%5C..%5Csecret.txt",
    "/assets/APP-4F3A9C.JS",
    "/assets/app-4f3a9c.js%00.png",
    "/assets/",
    "/Assets/app-4f3a9c.js",
  ])("%s is a 404 in the API's envelope", async (url) => {
    const res = await inject("GET", url, { headers: { accept: "text/html" } });
    expect([url, res.status, res.body.code]).toEqual([url, 404, "LINEOPS_ERR_ROUTE_NOT_FOUND"]);
  });

  it.each([
    "/assets/../../secret.txt",
    "/x/../assets/app-4f3a9c.js",
    "/assets/./app-4f3a9c.js",
    "//assets/app-4f3a9c.js",
  ])("%s, sent byte for byte, is a 404 and never the file", async (p) => {
    const res = await rawGet(p);
    expect([p, res.status]).toEqual([p, 404]);
    expect(res.body).not.toContain("not for the web");
    expect(res.body).not.toContain("lineops lineops");
  });
});

describe("the app's own URLs", () => {
  it.each(["/explore", "/services", "/dashboards/line-1", "/explore/"])(
    "a browser's GET of %s gets the shell (a reload or a shared link)",
    async (url) => {
      const res = await get(`${url}?expr=up`, { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
      expect([res.statusCode, res.body, res.headers["cache-control"]]).toEqual([200, INDEX, "no-cache"]);
    },
  );

  it.each([
    ["/explore", "application/json"],
    ["/api/v1/nope", "text/html"],
    ["/api", "text/html"],
    ["/-/nope", "text/html"],
    ["/metrics/x", "text/html"],
    ["/federate", "text/html"],
    ["/explore.js", "text/html"],
    ["/%65xplore", "text/html"],
    ["/explore%2F", "text/html"],
    ["/explore//x", "text/html"],
    ["/.env", "text/html"],
    [`/${"a".repeat(600)}`, "text/html"],
  ])("%s asked for as %s stays a 404", async (url, accept) => {
    const res = await inject("GET", url, { headers: { accept } });
    expect([url, res.status, res.body.code]).toEqual([url, 404, "LINEOPS_ERR_ROUTE_NOT_FOUND"]);
  });

  it("gives the shell to GET and HEAD only", async () => {
    const post = await inject("POST", "/explore", { headers: { accept: "text/html" } });
    expect([post.status, post.body.code]).toEqual([404, "LINEOPS_ERR_ROUTE_NOT_FOUND"]);
    const head = await lineops.inject({ method: "HEAD", url: "/explore", headers: { accept: "text/html" } });
    expect([head.statusCode, head.body]).toEqual([200, ""]);
  });

  it.each(["/x/../explore", "/./explore"])("%s, sent byte for byte, stays a 404", async (p) => {
    expect((await rawGet(p)).status).toBe(404);
  });
});

describe("a lineops whose web app is not built", () => {
  it("says so at / and keeps every other URL a 404; loading never throws", async () => {
    const bundle = loadWebBundle(path.join(tempDir(), "nothing-here"));
    expect(bundle.problem).toMatch(/not built .* run `npm run build`/);
    const app = Fastify();
    declareRoutes(app);
    app.setErrorHandler((err, _request, reply) => {
      const { status, body } = toEnvelope(err);
      void reply.code(status).send(body);
    });
    webRoutes(app, bundle);
    const res = await app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/web UI is not available/);
    expect((await app.inject({ method: "GET", url: "/assets/app.js" })).statusCode).toBe(404);
    await app.close();
  });
});

describe("negotiateEncoding", () => {
  it.each([
    [undefined, "identity"],
    ["", "identity"],
    ["*", "br"],
    ["*;q=0", "identity"],
    ["gzip;q=0.9, *;q=0.1", "gzip"],
    ["br;q=1, gzip;q=1", "br"],
    ["BR", "br"],
    ["gzip;q=abc", "identity"],
    ["deflate", "identity"],
    ["br;q=0", "identity"],
    [`${"x,".repeat(10_000)}br`, "identity"], // past the 1 KB looked at
  ])("%j → %s", (header, want) => {
    expect(negotiateEncoding(header)).toBe(want);
  });
});
