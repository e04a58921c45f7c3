// MQTT for andon boards: every notification is an event message (QoS 1, MQTT 5 message expiry so a
// board that was off does not replay yesterday's alarms), and each station has ONE retained state
// topic holding the highest priority still active there — a board that connects late reads the
// current colour at once, and the state clears when the last alarm of the station resolves.
// The receipt is the broker's PUBACK.
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { AlarmPriority, Channel, Notification, SendResult } from "../channel.js";
import { HttpConfigError, readSecret } from "../http-config.js";
import { isResolution, priorityRank, renderFacts, truncate } from "./render.js";
import { delivered, failed, scrub } from "./result.js";

export const DEFAULT_TOPIC_PREFIX = "lineops/andon";
/** An alarm event older than this is not worth showing on a board that just came back. */
export const DEFAULT_MESSAGE_EXPIRY_SECONDS = 3600;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Notifications without a line label (a single-line plant) go under this segment. */
const DEFAULT_LINE = "default";

export type MqttConfig = {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  topicPrefix?: string;
  clientId?: string;
  username?: string;
  /** A secret. At most one of password and passwordFile. */
  password?: string;
  passwordFile?: string;
  messageExpirySeconds?: number;
  /** Default true: the board must clear. */
  sendResolved?: boolean;
  timeoutMs?: number;
  tlsConfig?: { caFile?: string; insecureSkipVerify?: boolean };
};

/** What the retained `<prefix>/<line>/<station>/state` topic holds. */
export type StationState = {
  line: string;
  station: string | null;
  /** The highest active priority, or "none" when the station is clear. */
  priority: AlarmPriority | "none";
  /** 0 clear, 1 low … 4 critical: for boards that light a stack lamp by number. */
  level: number;
  /** Incidents or alert groups active at the station. */
  active: number;
  /** True when every active one is acknowledged (a board may stop flashing). */
  acknowledged: boolean;
  updatedAt: string;
};

/** What `<prefix>/<line>/<station>/events` carries for each notification. */
export type StationEvent = {
  key: string;
  event: Notification["event"];
  title: string;
  priority: AlarmPriority;
  line: string;
  station: string | null;
  summary: string;
  incident?: string;
  ackUrl?: string;
  at: string;
};

type Active = { priority: AlarmPriority; acknowledged: boolean };

/** MQTT topic segments must not contain the separators or wildcards. */
export function topicSegment(s: string): string {
  // NUL is forbidden in MQTT strings too; split/join avoids a control character in a regex.
  const clean = s.replace(/[/#+]/g, "_").split(String.fromCharCode(0)).join("_");
  return clean === "" ? "_" : clean;
}

export function stationTopic(
  prefix: string,
  line: string,
  station: string | null,
  leaf: "state" | "events",
): string {
  return [prefix, topicSegment(line), ...(station === null ? [] : [topicSegment(station)]), leaf].join("/");
}

export class MqttChannel implements Channel {
  readonly type = "mqtt" as const;
  private client: MqttClient | undefined;
  /** Per station topic: the active incidents/groups there and their priority. */
  private readonly stations = new Map<string, Map<string, Active>>();
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private closed = false;
  /** The client's last connection error (refused CONNACK, DNS…), to say why the broker is unreachable. */
  private lastError: string | undefined;

  constructor(
    readonly name: string,
    private readonly config: MqttConfig,
    private readonly now: () => number = Date.now,
  ) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new HttpConfigError("mqtt: url is not a valid absolute URL");
    }
    if (!["mqtt:", "mqtts:", "tcp:", "ssl:", "ws:", "wss:"].includes(url.protocol)) {
      throw new HttpConfigError(
        `mqtt: url must use mqtt, mqtts, ws or wss, not ${url.protocol.replace(/:$/, "")}`,
      );
    }
    if (config.password !== undefined && config.passwordFile !== undefined) {
      throw new HttpConfigError("mqtt: at most one of password and password_file must be configured");
    }
    this.prefix = (config.topicPrefix ?? DEFAULT_TOPIC_PREFIX).replace(/\/+$/, "");
    if (/[#+]/.test(this.prefix)) {
      throw new HttpConfigError("mqtt: topic_prefix must not contain the wildcards # or +");
    }
    this.timeoutMs = config.timeoutMs && config.timeoutMs > 0 ? config.timeoutMs : DEFAULT_TIMEOUT_MS;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) {
      return failed("mqtt channel is closed", true);
    }
    const resolved = isResolution(n);
    if (resolved && this.config.sendResolved === false) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let client: MqttClient;
    try {
      client = await this.connected(signal);
    } catch (err) {
      return failed(this.scrubbed((err as Error).message), true);
    }
    const f = renderFacts(n);
    const line = f.line ?? DEFAULT_LINE;
    const group = n.incident?.id ?? n.payload.groupKey;
    const stations = stationsOf(n, f.station);
    const at = new Date(this.now()).toISOString();
    const expiry = this.config.messageExpirySeconds ?? DEFAULT_MESSAGE_EXPIRY_SECONDS;
    const publishes: { topic: string; body: string; retain: boolean; commit?: () => void }[] = [];
    for (const station of stations) {
      const event: StationEvent = {
        key: n.key,
        event: n.event,
        title: truncate(f.title, 200),
        priority: f.priority,
        line,
        station,
        summary: truncate(f.summary, 500),
        ...(n.incident ? { incident: n.incident.id } : {}),
        ...(f.ackUrl ? { ackUrl: f.ackUrl } : {}),
        at,
      };
      publishes.push({
        topic: stationTopic(this.prefix, line, station, "events"),
        body: JSON.stringify(event),
        retain: false,
      });
      const stateTopic = stationTopic(this.prefix, line, station, "state");
      const next = new Map(this.stations.get(stateTopic) ?? []);
      // With stations taken from the alerts' labels, a station whose alerts of this group all
      // resolved is clear of it even while the group still fires elsewhere.
      const stationResolved =
        resolved ||
        (station !== null &&
          f.station === undefined &&
          !n.payload.alerts.some((a) => a.status === "firing" && a.labels.station === station));
      if (stationResolved) {
        next.delete(group);
      } else {
        next.set(group, { priority: f.priority, acknowledged: n.event === "acknowledge" });
      }
      publishes.push({
        topic: stateTopic,
        body: JSON.stringify(stationState(line, station, next, at)),
        retain: true,
        commit: () => {
          if (next.size === 0) {
            this.stations.delete(stateTopic);
          } else {
            this.stations.set(stateTopic, next);
          }
        },
      });
    }
    try {
      for (const p of publishes) {
        await this.withDeadline(
          client.publishAsync(p.topic, p.body, {
            qos: 1,
            retain: p.retain,
            properties: {
              contentType: "application/json",
              // The state must outlive any event: it is what a board shows until the next change.
              ...(p.retain ? {} : { messageExpiryInterval: expiry }),
            },
          }),
          signal,
        );
        p.commit?.();
      }
    } catch (err) {
      return failed(this.scrubbed(`publish: ${(err as Error).message}`), true);
    }
    return delivered(this, n.key, `MQTT PUBACK ${publishes.map((p) => p.topic).join(", ")}`, this.now());
  }

  /** The active-priority state this channel last published for a station (tests, status pages). */
  stateOf(line: string, station: string | null): StationState {
    const topic = stationTopic(this.prefix, line, station, "state");
    return stationState(
      line,
      station,
      this.stations.get(topic) ?? new Map(),
      new Date(this.now()).toISOString(),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  }

  /**
   * The client, connected. One client per channel, kept between notifications; when the broker is
   * down this attempt fails (retriable) rather than queueing the message inside mqtt.js, which would
   * deliver it later behind the outbox's back.
   */
  private async connected(signal: AbortSignal | undefined): Promise<MqttClient> {
    if (this.client === undefined) {
      const password =
        this.config.passwordFile !== undefined
          ? readSecret(this.config.passwordFile, "password_file")
          : this.config.password;
      const caFile = this.config.tlsConfig?.caFile;
      const options: IClientOptions = {
        protocolVersion: 5,
        clean: true,
        clientId:
          this.config.clientId ??
          `lineops-${this.name.replace(/[^A-Za-z0-9]/g, "").slice(0, 20)}-${process.pid}`,
        connectTimeout: this.timeoutMs,
        reconnectPeriod: 1000,
        // A message published while offline is not queued: the attempt fails and the outbox decides.
        queueQoSZero: false,
        ...(this.config.username !== undefined ? { username: this.config.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(caFile !== undefined ? { ca: readFileSync(caFile) } : {}),
        rejectUnauthorized: this.config.tlsConfig?.insecureSkipVerify !== true,
      };
      this.client = mqtt.connect(this.config.url, options);
      // Errors surface through the attempt; an unhandled 'error' event must not crash the process.
      this.client.on("error", (err) => {
        this.lastError = err.message;
      });
      this.client.on("connect", () => {
        this.lastError = undefined;
      });
    }
    const client = this.client;
    if (client.connected) {
      return client;
    }
    try {
      await this.withDeadline(
        new Promise<void>((resolve) => {
          client.once("connect", () => resolve());
        }),
        signal,
        "broker not reachable",
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}${this.lastError ? ` (${this.lastError})` : ""}`);
    }
    return client;
  }

  private withDeadline<T>(p: Promise<T>, signal: AbortSignal | undefined, what = "no PUBACK"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} within ${this.timeoutMs}ms`)), this.timeoutMs);
      const onAbort = () =>
        reject(
          new Error(
            `delivery canceled: ${String(signal?.reason instanceof Error ? signal.reason.message : signal?.reason)}`,
          ),
        );
      signal?.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
    });
  }

  private scrubbed(text: string): string {
    return scrub(text, [this.config.password]).replace(/[a-z][a-z0-9+.-]*:\/\/[^@\s]*@/gi, "<redacted>@");
  }
}

/** The stations a notification is about: its own, else the alerts' station labels, else none (the line). */
function stationsOf(n: Notification, station: string | undefined): (string | null)[] {
  if (station !== undefined) {
    return [station];
  }
  const labelled = [
    ...new Set(n.payload.alerts.map((a) => a.labels.station).filter((s): s is string => !!s)),
  ];
  return labelled.length > 0 ? labelled.sort() : [null];
}

function stationState(
  line: string,
  station: string | null,
  active: Map<string, Active>,
  at: string,
): StationState {
  let top: AlarmPriority | undefined;
  for (const a of active.values()) {
    if (top === undefined || priorityRank(a.priority) > priorityRank(top)) {
      top = a.priority;
    }
  }
  return {
    line,
    station,
    priority: top ?? "none",
    level: top === undefined ? 0 : priorityRank(top) + 1,
    active: active.size,
    acknowledged: active.size > 0 && [...active.values()].every((a) => a.acknowledged),
    updatedAt: at,
  };
}
