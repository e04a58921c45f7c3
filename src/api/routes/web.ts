// Serves the dashboard's single-page app (web/, built by Vite into dist/web): index.html at "/",
// hashed assets under /assets/, and index.html for the app's own page URLs (/explore, ...) so a
// reload or a shared link works. The bundle is read once at start into memory, with the gzip and
// brotli twins the build wrote: requests only pick bytes, nothing is compressed or read per request,
// and no request path ever reaches the file system (a name is a key of a Map, so no traversal).
// Static files are public: the shell holds no data; every datum is behind the API's roles.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PACKAGE_ROOT } from "../../version.js";
import { ApiErrors } from "../errors.js";

/** Where `npm run build` writes the app; found from the package root, compiled or not. */
export const DEFAULT_WEB_DIR = path.join(PACKAGE_ROOT, "dist", "web");

/** Bounds on what a bundle may hold (the real one: ~12 files, ~1.3 MB with its twins). */
const MAX_FILES = 1000;
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Hashed names never change content: cached for a year. index.html names them, so it is revalidated. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

type Encoding = "br" | "gzip" | "identity";
type Variant = { body: Buffer; etag: string };
type Asset = {
  type: string;
  cacheControl: string;
  variants: Partial<Record<Encoding, Variant>> & { identity: Variant };
};

export type WebBundle = {
  dir: string;
  /** undefined: the app is not built (or the directory is unreadable); "/" says how to build it. */
  index: Asset | undefined;
  /** By file name under assets/ (flat: Vite writes no sub-folders there). */
  assets: ReadonlyMap<string, Asset>;
  /** Why the bundle is missing or partial, for the start-up log. */
  problem?: string;
};

/** Reads `dir` (index.html + assets/) into memory. Never throws: a bad bundle is reported. */
export function loadWebBundle(dir: string = DEFAULT_WEB_DIR): WebBundle {
  try {
    const index = readAsset(path.join(dir, "index.html"), REVALIDATE);
    const assetsDir = path.join(dir, "assets");
    const names = readdirSync(assetsDir).filter((n) => !n.endsWith(".gz") && !n.endsWith(".br"));
    if (names.length > MAX_FILES) {
      throw new Error(`${assetsDir} holds ${names.length} files, more than ${MAX_FILES}`);
    }
    const assets = new Map<string, Asset>();
    for (const name of names) {
      const file = path.join(assetsDir, name);
      if (statSync(file).isFile()) {
        assets.set(name, readAsset(file, IMMUTABLE));
      }
    }
    return { dir, index, assets };
  } catch (err) {
    return {
      dir,
      index: undefined,
      assets: new Map(),
      problem: `the web UI is not built or unreadable in ${dir} (${(err as Error).message}); run \`npm run build\``,
    };
  }
}

function readAsset(file: string, cacheControl: string): Asset {
  const identity = readBounded(file);
  const hash = createHash("sha256").update(identity).digest("base64url").slice(0, 22);
  const variants: Asset["variants"] = { identity: { body: identity, etag: `"${hash}"` } };
  for (const [enc, suffix] of [
    ["br", ".br"],
    ["gzip", ".gz"],
  ] as const) {
    try {
      variants[enc] = { body: readBounded(file + suffix), etag: `"${hash}-${enc}"` };
    } catch {
      // No twin (a file too small to gain, or a build without them): identity serves everyone.
    }
  }
  return {
    type: TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
    cacheControl,
    variants,
  };
}

function readBounded(file: string): Buffer {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) {
    throw new Error(`${file} is ${size} bytes, more than ${MAX_FILE_BYTES}`);
  }
  return readFileSync(file);
}

/**
 * The coding to send for an Accept-Encoding header (RFC 9110 12.5.3): the highest q among br and
 * gzip, br on a tie (smaller); identity when neither is acceptable or the header is absent.
 */
export function negotiateEncoding(header: string | undefined): Encoding {
  if (header === undefined) {
    return "identity";
  }
  const q = new Map<string, number>();
  for (const part of header.slice(0, 1024).split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (name !== "" && Number.isFinite(value)) {
      q.set(name, Math.min(1, Math.max(0, value)));
    }
  }
  const of = (c: string) => q.get(c) ?? q.get("*") ?? 0;
  const br = of("br");
  const gzip = of("gzip");
  if (br > 0 && br >= gzip) {
    return "br";
  }
  return gzip > 0 ? "gzip" : "identity";
}

/** If-None-Match against an ETag (weak comparison, RFC 9110 13.1.2; "*" matches any). */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) {
    return false;
  }
  return header
    .slice(0, 4096)
    .split(",")
    .some((t) => {
      const tag = t.trim().replace(/^W\//, "");
      return tag === "*" || tag === etag;
    });
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  const wanted = negotiateEncoding(request.headers["accept-encoding"]);
  const encoding: Encoding = asset.variants[wanted] ? wanted : "identity";
  const variant = asset.variants[encoding] ?? asset.variants.identity;
  reply
    .header("content-type", asset.type)
    .header("cache-control", asset.cacheControl)
    .header("etag", variant.etag)
    // Caches keep one copy per coding; sent even when only identity exists, as the next build may differ.
    .header("vary", "Accept-Encoding");
  if (encoding !== "identity") {
    reply.header("content-encoding", encoding);
  }
  if (notModified(request.headers["if-none-match"], variant.etag)) {
    return reply.code(304).send();
  }
  return reply.send(variant.body);
}

/** Paths the app never owns: the APIs, lineops's own endpoints, and the assets (a missing one is 404). */
const NOT_APP = /^\/(api|-|metrics|federate|assets)(\/|$)/i;
/**
 * The app's page URLs: segments of letters, digits, "-", "_" and "~" only. No dots (so no
 * dot-segments and no file names: a missing file stays a 404), no percent-encoding, no empty
 * segments. Anything else, an odd spelling included, gets the API's 404 instead of the shell.
 */
const APP_PATH = /^(\/[A-Za-z0-9_~-]+)*\/?$/;
const MAX_APP_PATH = 512;

/**
 * For the server's not-found handler: answers a browser's GET (or HEAD) of one of the app's page
 * URLs with index.html and returns true; returns false for everything else, which stays a 404.
 */
export function serveAppShell(bundle: WebBundle, request: FastifyRequest, reply: FastifyReply): boolean {
  if ((request.method !== "GET" && request.method !== "HEAD") || bundle.index === undefined) {
    return false;
  }
  const pathname = request.url.split("?")[0] ?? "";
  if (
    pathname.length > MAX_APP_PATH ||
    NOT_APP.test(pathname) ||
    !APP_PATH.test(pathname) ||
    !(request.headers.accept ?? "").includes("text/html")
  ) {
    return false;
  }
  send(request, reply, bundle.index);
  return true;
}

/** Registers "/" and "/assets/:file" (public, see the module comment). */
export function webRoutes(app: FastifyInstance, bundle: WebBundle): void {
  const publicRoute = { config: { role: "public" }, schema: { hide: true } } as const;
  app.get("/", publicRoute, async (request, reply) => {
    if (bundle.index === undefined) {
      reply.code(503).type("text/plain; charset=utf-8");
      return `lineops's web UI is not available: ${bundle.problem ?? "not built"}.\nThe API answers under /api/v1.\n`;
    }
    return send(request, reply, bundle.index);
  });
  app.get<{ Params: { file: string } }>("/assets/:file", publicRoute, async (request, reply) => {
    const asset = bundle.assets.get(request.params.file);
    if (asset === undefined) {
      throw ApiErrors.routeNotFound(`no asset ${request.url.split("?")[0]}`);
    }
    return send(request, reply, asset);
  });
}
