// Fetches one scrape body: keep-alive HTTP(S), gzip, a timeout, and a hard cap on the body size
// (compressed and uncompressed), so a runaway target fails its own scrape and nothing else.
import http from "node:http";
import https from "node:https";
import { urlToHttpOptions } from "node:url";
import { gunzip } from "node:zlib";

// The Accept header Prometheus 2.x sends: OpenMetrics preferred, text format as fallback.
const ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 1024 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 1024 }),
};

export type ScrapeBody = { body: string; contentType: string | undefined; bytes: number };

export class ScrapeFetchError extends Error {}

/** What every scrape of one target sends, worked out once: the URL parsed, the headers built. */
export type ScrapeRequest = {
  readonly lib: typeof http | typeof https;
  readonly options: http.RequestOptions;
  readonly timeoutMs: number;
};

export function scrapeRequest(url: string, timeoutMs: number, insecureSkipVerify = false): ScrapeRequest {
  const u = new URL(url);
  const tls = u.protocol === "https:";
  return {
    lib: tls ? https : http,
    options: {
      ...urlToHttpOptions(u),
      agent: tls ? agents.https : agents.http,
      ...(tls && insecureSkipVerify ? { rejectUnauthorized: false } : {}),
      headers: {
        accept: ACCEPT,
        // Over loopback, compression only burns CPU on both ends; elsewhere it saves the network.
        "accept-encoding": isLoopback(u.hostname) ? "identity" : "gzip",
        "user-agent": "lineops",
        "x-prometheus-scrape-timeout-seconds": String(timeoutMs / 1000),
      },
    },
    timeoutMs,
  };
}

export function fetchScrape(r: ScrapeRequest, limitBytes: number): Promise<ScrapeBody> {
  const timeoutMs = r.timeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (msg: string) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(new ScrapeFetchError(msg));
      }
    };
    const req = r.lib.get(r.options, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ""}`.trimEnd());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > limitBytes) {
          fail(`body size limit exceeded (more than ${limitBytes} bytes)`);
          return;
        }
        chunks.push(c);
      });
      res.on("error", (err) => fail(err.message));
      res.on("end", () => {
        if (settled) {
          return;
        }
        const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
        const contentType = res.headers["content-type"];
        const done = (buf: Buffer) => {
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            resolve({ body: buf.toString("utf8"), contentType, bytes: buf.length });
          }
        };
        if (res.headers["content-encoding"] === "gzip") {
          gunzip(raw, { maxOutputLength: limitBytes }, (err, out) => {
            if (err) {
              fail(
                (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE"
                  ? `body size limit exceeded (more than ${limitBytes} bytes uncompressed)`
                  : `invalid gzip body: ${err.message}`,
              );
            } else {
              done(out);
            }
          });
        } else {
          done(raw);
        }
      });
    });
    req.on("error", (err) => fail(err.message));
    const timer = setTimeout(() => fail(`context deadline exceeded (timeout ${timeoutMs}ms)`), timeoutMs);
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" || host === "::1";
}
