// Slack through an incoming webhook: a Block Kit message with the title, status, priority, plant
// position, the alerts, and buttons to acknowledge and open the incident — cut to Slack's published
// limits (50 blocks, header 150, section text 3000, button text 75, URL 3000) so a flood never makes
// Slack refuse the message with invalid_blocks.
import type { Channel, Notification, SendResult } from "../channel.js";
import { HttpConfigError, readSecret, type HttpClientConfig } from "../http-config.js";
import { HttpSender, parseHttpUrl, REDACTED_URL } from "../http-send.js";
import { delivered, failed, httpFailure } from "./result.js";
import { isResolution, renderFacts, truncate, type NotificationFacts } from "./render.js";

export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  buttonText: 75,
  url: 3000,
  /** The top-level `text` Slack shows in notifications when blocks are present. */
  fallbackText: 4000,
} as const;

/** Alerts listed one per line before "and N more": enough to see the pattern, short enough to read. */
const LISTED_ALERTS = 10;

export type SlackConfig = {
  /** Incoming webhook URL: a secret (the path is the token). Exactly one of apiUrl and apiUrlFile. */
  apiUrl?: string;
  apiUrlFile?: string;
  channel?: string;
  username?: string;
  iconEmoji?: string;
  iconUrl?: string;
  /** Alertmanager's slack default: false. */
  sendResolved?: boolean;
  timeoutMs?: number;
  httpConfig?: HttpClientConfig;
};

export type SlackBlock = Record<string, unknown> & { type: string };
export type SlackMessage = {
  channel?: string;
  username?: string;
  icon_emoji?: string;
  icon_url?: string;
  text: string;
  blocks: SlackBlock[];
};

const PRIORITY_EMOJI: Record<string, string> = {
  critical: ":rotating_light:",
  high: ":red_circle:",
  medium: ":large_orange_circle:",
  low: ":large_yellow_circle:",
};

/** Slack's mrkdwn needs &, < and > escaped; everything else is shown as typed. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText) => ({
  type: "mrkdwn",
  text: truncate(text, max),
});

/** The default message for a notification. */
export function slackMessage(
  n: Notification,
  config: Pick<SlackConfig, "channel" | "username" | "iconEmoji" | "iconUrl"> = {},
): SlackMessage {
  const f = renderFacts(n);
  const icon = n.event === "resolve" ? ":white_check_mark:" : (PRIORITY_EMOJI[f.priority] ?? "");
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncate(`${icon} ${f.title}`.trim(), SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
    { type: "section", fields: factFields(f).slice(0, SLACK_LIMITS.fields) },
    { type: "section", text: mrkdwn(slackEscape(f.summary)) },
  ];
  if (f.rootCause) {
    blocks.push({
      type: "section",
      text: mrkdwn(
        `*Probable root cause:* ${slackEscape(f.rootCause.service)}\n${slackEscape(f.rootCause.reason)}`,
      ),
    });
  }
  if (f.alerts.length > 0) {
    blocks.push({ type: "section", text: mrkdwn(alertList(f)) });
  }
  const buttons = linkButtons(f);
  if (buttons.length > 0) {
    blocks.push({ type: "actions", elements: buttons });
  }
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(`lineops · ${slackEscape(n.key)}${f.externalURL ? ` · <${f.externalURL}|alerts>` : ""}`),
    ],
  });
  return {
    ...(config.channel !== undefined ? { channel: config.channel } : {}),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.iconEmoji !== undefined ? { icon_emoji: config.iconEmoji } : {}),
    ...(config.iconUrl !== undefined ? { icon_url: config.iconUrl } : {}),
    text: truncate(`${f.statusText} (${f.priority}): ${f.title}`, SLACK_LIMITS.fallbackText),
    blocks: fitBlocks(blocks),
  };
}

function factFields(f: NotificationFacts) {
  const fields = [
    ["Status", f.statusText],
    ["Priority", f.priority],
    ...(f.severity !== undefined ? [["Severity", f.severity]] : []),
    ...(f.line !== undefined ? [["Line", f.line]] : []),
    ...(f.station !== undefined ? [["Station", f.station]] : []),
    ["Alerts", `${f.firing} firing${f.resolved > 0 ? `, ${f.resolved} resolved` : ""}`],
  ];
  return fields.map(([k, v]) => mrkdwn(`*${k}*\n${slackEscape(v ?? "")}`, SLACK_LIMITS.fieldText));
}

/** One line per alert, whole lines only, then "and N more" for what did not fit. */
function alertList(f: NotificationFacts): string {
  const total = f.alerts.length + f.truncated;
  const lines: string[] = [];
  let used = 0;
  for (const a of f.alerts.slice(0, LISTED_ALERTS)) {
    const mark = a.status === "firing" ? ":red_circle:" : ":white_check_mark:";
    const line = truncate(
      `${mark} *${slackEscape(a.name)}*${a.summary ? ` — ${slackEscape(a.summary)}` : ""}`,
      500,
    );
    // Leave room for the "and N more" line.
    if (used + line.length + 1 > SLACK_LIMITS.sectionText - 40) {
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  if (total > lines.length) {
    lines.push(`_and ${total - lines.length} more_`);
  }
  return lines.join("\n");
}

function linkButtons(f: NotificationFacts) {
  const buttons: Record<string, unknown>[] = [];
  const button = (text: string, url: string, actionId: string, style?: "primary") => {
    if (url.length <= SLACK_LIMITS.url) {
      buttons.push({
        type: "button",
        text: { type: "plain_text", text: truncate(text, SLACK_LIMITS.buttonText) },
        url,
        action_id: actionId,
        ...(style ? { style } : {}),
      });
    }
  };
  if (f.ackUrl) {
    button("Acknowledge", f.ackUrl, "lineops_ack", "primary");
  }
  if (f.incidentUrl) {
    button("Open incident", f.incidentUrl, "lineops_incident");
  }
  return buttons;
}

/** At most 50 blocks: the last kept block says how many were dropped. */
export function fitBlocks(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) {
    return blocks;
  }
  const kept = blocks.slice(0, SLACK_LIMITS.blocks - 1);
  kept.push({ type: "context", elements: [mrkdwn(`and ${blocks.length - kept.length} more`)] });
  return kept;
}

export class SlackChannel implements Channel {
  readonly type = "slack" as const;
  private readonly http: HttpSender;

  constructor(
    readonly name: string,
    private readonly config: SlackConfig,
    private readonly now: () => number = Date.now,
  ) {
    if ((config.apiUrl === undefined) === (config.apiUrlFile === undefined)) {
      throw new HttpConfigError("slack: exactly one of api_url and api_url_file must be configured");
    }
    if (config.apiUrl !== undefined) {
      parseHttpUrl(config.apiUrl, "api_url", (m) => new HttpConfigError(m));
    }
    this.http = new HttpSender(config.httpConfig ?? {}, config.timeoutMs ?? 0, "slack");
  }

  async send(n: Notification, signal?: AbortSignal): Promise<SendResult> {
    if (this.config.sendResolved !== true && isResolution(n)) {
      return delivered(this, n.key, "not sent: send_resolved is off", this.now());
    }
    let url: URL;
    try {
      const text =
        this.config.apiUrlFile !== undefined
          ? readSecret(this.config.apiUrlFile, "api_url_file")
          : (this.config.apiUrl ?? "");
      url = parseHttpUrl(text, "api_url", (m) => new HttpConfigError(m));
    } catch (err) {
      return failed((err as Error).message, true);
    }
    const body = Buffer.from(JSON.stringify(slackMessage(n, this.config)));
    try {
      const res = await this.http.post(url, body, { contentType: "application/json; charset=utf-8" }, signal);
      if (res.status >= 200 && res.status < 300) {
        return delivered(
          this,
          n.key,
          `HTTP ${res.status} ${res.body.trim().slice(0, 64)}`.trim(),
          this.now(),
        );
      }
      return httpFailure(res.status, res.body);
    } catch (err) {
      return failed(`Post "${REDACTED_URL}": ${this.http.describeFailure(err, signal)}`, true);
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
