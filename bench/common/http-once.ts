// One HTTP request of a load generator, as an outcome rather than an exception: the answer's status
// (and, for a 5xx, the start of its body, to name the cause), a network error's code, or a timeout.
// Shared by the deploy and restart benchmarks' load processes.
import http from "node:http";

export type Outcome =
  { kind: "response"; status: number; body: string } | { kind: "error"; code: string } | { kind: "timeout" };

/** Bytes of a failed answer's body kept to name its cause. */
const BODY_LIMIT = 2048;

export function requestOnce(
  target: URL,
  agent: http.Agent,
  req: { method: "GET" | "POST"; path: string; body?: string; timeoutMs: number },
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    const { body } = req;
    const r = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.path,
        agent,
        headers:
          body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          // Only a failure's body is read into memory (to name its cause).
          if (status >= 500 && text.length < BODY_LIMIT) {
            text += d;
          }
        });
        res.on("end", () => done({ kind: "response", status, body: text }));
        res.on("error", (err: NodeJS.ErrnoException) =>
          done({ kind: "error", code: err.code ?? err.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      done({ kind: "timeout" });
      r.destroy();
    }, req.timeoutMs);
    r.on("error", (err: NodeJS.ErrnoException) => done({ kind: "error", code: err.code ?? err.message }));
    r.end(body);
  });
}
