// The bench's two HTTP endpoints in one loopback server: the scrape target, whose gauge
// `bench_value{round="k"}` the bench flips from 0 to 1, and the webhook receiver. Each system scrapes
// its own path (/metrics/<system>), so the moment the first sample of 1 was served to THAT system is
// known: delivery latency is measured from there, as the issue asks ("from the scraped sample that
// crosses a threshold"); the flip time is kept too (it adds the wait for the next scrape).
import http from "node:http";

export type System = "lineops" | "baseline";
export const SYSTEMS: readonly System[] = ["lineops", "baseline"];

export type RoundTimes = {
  flippedAt: number;
  /** First scrape of this system that saw 1, per system (performance.now() ms). */
  scrapedAt: Partial<Record<System, number>>;
  /** First firing notification naming this round, per system. */
  deliveredAt: Partial<Record<System, number>>;
  /**
   * That notification's arrival minus the alert's startsAt (the evaluation that fired it), wall clock:
   * the rule engine + notification pipeline alone, without the scrape-to-evaluation phase wait.
   */
  sinceStartsAt: Partial<Record<System, number>>;
};

export type BenchServer = {
  port: number;
  rounds: Map<number, RoundTimes>;
  flipUp(round: number): void;
  flipDown(round: number): void;
  /** Webhook bodies that did not parse as Alertmanager's payload (should stay 0). */
  badPayloads(): number;
  close(): Promise<void>;
};

type WebhookBody = {
  alerts?: { status?: string; labels?: Record<string, string>; startsAt?: string }[];
};

export async function startBenchServer(): Promise<BenchServer> {
  const rounds = new Map<number, RoundTimes>();
  const value = new Map<number, 0 | 1>();
  let bad = 0;

  const exposition = (system: System, now: number): string => {
    const lines = ["# TYPE bench_value gauge"];
    for (const [round, v] of value) {
      lines.push(`bench_value{round="${round}"} ${v}`);
      const times = rounds.get(round);
      if (v === 1 && times && times.scrapedAt[system] === undefined) {
        times.scrapedAt[system] = now;
      }
    }
    return `${lines.join("\n")}\n`;
  };

  const onWebhook = (system: System, body: string, now: number, wallNow: number) => {
    let parsed: WebhookBody;
    try {
      parsed = JSON.parse(body) as WebhookBody;
    } catch {
      bad++;
      return;
    }
    if (!Array.isArray(parsed.alerts)) {
      bad++;
      return;
    }
    for (const alert of parsed.alerts) {
      const round = Number(alert.labels?.round);
      const times = rounds.get(round);
      if (alert.status === "firing" && times && times.deliveredAt[system] === undefined) {
        times.deliveredAt[system] = now;
        const startsAt = Date.parse(alert.startsAt ?? "");
        if (Number.isFinite(startsAt)) {
          times.sinceStartsAt[system] = wallNow - startsAt;
        }
      }
    }
  };

  const server = http.createServer((req, res) => {
    // Taken before the body is read: the receiver's own parsing is not the systems' latency.
    const now = performance.now();
    const wallNow = Date.now();
    const url = req.url ?? "";
    const metrics = /^\/metrics\/(lineops|baseline)$/.exec(url);
    if (req.method === "GET" && metrics) {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(exposition(metrics[1] as System, now));
      return;
    }
    const hook = /^\/hook\/(lineops|baseline)$/.exec(url);
    if (req.method === "POST" && hook) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        onWebhook(hook[1] as System, Buffer.concat(chunks).toString("utf8"), now, wallNow);
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    rounds,
    flipUp(round) {
      rounds.set(round, { flippedAt: performance.now(), scrapedAt: {}, deliveredAt: {}, sinceStartsAt: {} });
      value.set(round, 1);
    },
    flipDown(round) {
      value.set(round, 0);
    },
    badPayloads: () => bad,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
