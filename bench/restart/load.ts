// The restart benchmark's load generator, a process of its own so lineops's restarts, kills and
// busy loops never pause it: POST /work-orders to line-controller's front door (line-controller then
// calls the station controllers, quality inspection and the MES behind it) at a fixed arrival rate,
// over keep-alive connections, each request with its own deadline. Open loop: a request is sent when
// it is due whether or not earlier ones have answered (up to an in-flight cap), so an outage shows
// as failures, not as a generator that quietly slowed down.
//
// Prints one LoadWindow (timeline.ts) as a JSON line on stdout every --window-ms. Commands on
// stdin, one per line: `url <url>` retargets (a client reconfigured to a new address), `stop` prints
// the last window and exits. Exits when stdin closes, so it never outlives the benchmark.
import http from "node:http";
import { createInterface } from "node:readline";
import { requestOnce, type Outcome } from "../common/http-once.js";
import { classify } from "../deploy/failures.js";
import { addTo, type LoadWindow } from "./timeline.js";

type Options = { url: string; rate: number; timeoutMs: number; windowMs: number; maxInFlight: number };

function parseOptions(argv: string[]): Options {
  const get = (name: string, def?: string): string => {
    const k = argv.indexOf(`--${name}`);
    const v = k >= 0 ? argv[k + 1] : def;
    if (v === undefined) {
      throw new Error(`load: --${name} is required`);
    }
    return v;
  };
  const num = (name: string, def: string): number => {
    const n = Number(get(name, def));
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`load: --${name} must be a positive number, got "${get(name, def)}"`);
    }
    return n;
  };
  return {
    url: get("url"),
    rate: num("rate", "350"),
    timeoutMs: num("timeout-ms", "2000"),
    windowMs: num("window-ms", "250"),
    maxInFlight: Math.floor(num("max-in-flight", "2048")),
  };
}

/** A failure is anything but a 2xx answer: a refused or reset connection, a timeout, a 4xx or 5xx. */
function failureCause(o: Outcome): string | undefined {
  if (o.kind === "response" && o.status >= 200 && o.status < 300) {
    return undefined;
  }
  if (o.kind === "response" && o.status < 500) {
    return `${o.status}`;
  }
  return classify(o);
}

function emptyWindow(from: number): LoadWindow {
  return {
    from,
    to: from,
    total: 0,
    failed: 0,
    skipped: 0,
    byCause: {},
    latency: {},
    firstFailAt: null,
    lastFailAt: null,
    okSentAt: [],
  };
}

class Load {
  private win = emptyWindow(Date.now());
  private agent: http.Agent;
  private target: URL;
  private inFlight = 0;
  private sent = 0;
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: Options) {
    this.target = new URL(o.url);
    this.agent = Load.newAgent();
  }

  private static newAgent(): http.Agent {
    // Enough sockets for the in-flight cap: queueing inside the agent would count as latency.
    return new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });
  }

  start(): void {
    // A 2 ms tick sends every request that has come due: 350 req/s needs ~1 per 3 ms.
    this.timer = setInterval(() => this.tick(), 2);
  }

  retarget(url: string): void {
    this.target = new URL(url);
    // Connections to the old address are of no use to a reconfigured client.
    this.agent.destroy();
    this.agent = Load.newAgent();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const end = Date.now() + this.o.timeoutMs + 500;
    while (this.inFlight > 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.agent.destroy();
  }

  /** The window since the last cut, closed now; a new one begins. */
  cut(): LoadWindow {
    const now = Date.now();
    const w = this.win;
    w.to = now;
    this.win = emptyWindow(now);
    return w;
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.t0) / 1000) * this.o.rate);
    // More than a second behind (this process stalled): drop the backlog rather than burst it.
    if (due - this.sent > this.o.rate) {
      this.win.skipped += due - this.sent - this.o.rate;
      this.sent = due - this.o.rate;
    }
    while (this.sent < due) {
      this.sent++;
      if (this.inFlight >= this.o.maxInFlight) {
        this.win.skipped++;
        continue;
      }
      void this.one();
    }
  }

  private async one(): Promise<void> {
    this.inFlight++;
    const sentAt = Date.now();
    const t = performance.now();
    const outcome = await this.request();
    const ms = performance.now() - t;
    this.inFlight--;
    const w = this.win;
    w.total++;
    addTo(w.latency, ms);
    const cause = failureCause(outcome);
    if (cause === undefined) {
      w.okSentAt.push(sentAt);
      return;
    }
    w.failed++;
    w.byCause[cause] = (w.byCause[cause] ?? 0) + 1;
    w.firstFailAt = w.firstFailAt === null ? sentAt : Math.min(w.firstFailAt, sentAt);
    w.lastFailAt = w.lastFailAt === null ? sentAt : Math.max(w.lastFailAt, sentAt);
  }

  private request(): Promise<Outcome> {
    return requestOnce(this.target, this.agent, {
      method: "POST",
      path: "/work-orders",
      body: JSON.stringify({ product: "bench-restart" }),
      timeoutMs: this.o.timeoutMs,
    });
  }
}

function main(): void {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const load = new Load(opts);
  const write = (w: LoadWindow) => process.stdout.write(`${JSON.stringify(w)}\n`);
  load.start();
  const every = setInterval(() => write(load.cut()), opts.windowMs);
  const rl = createInterface({ input: process.stdin });
  let stopping = false;
  rl.on("line", (line) => {
    const [cmd, arg] = line.trim().split(/\s+/, 2);
    if (cmd === "url" && arg) {
      try {
        load.retarget(arg);
      } catch (err) {
        process.stderr.write(`load: bad url "${arg}": ${(err as Error).message}\n`);
      }
    } else if (cmd === "stop") {
      stopping = true;
      clearInterval(every);
      rl.close();
      void load.stop().then(() => {
        write(load.cut());
        process.exit(0);
      });
    }
  });
  rl.on("close", () => {
    if (!stopping) {
      process.exit(0);
    }
  });
}

main();
