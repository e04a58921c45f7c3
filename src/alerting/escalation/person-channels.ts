// Channels that reach one person at their own address: the configured contact receivers (an email,
// an SMS and a Slack receiver: `escalation.contacts` in the alerting config) with `to` (or the Slack
// `channel`) replaced by the person's e-mail, phone or chat handle. Named `person/<user>/<method>`;
// the outbox asks for one by name when it sends (Outbox resolveChannel), so the address is the
// person's address at send time, and a changed address builds a new channel.
import type { AlertingConfig } from "../config/load.js";
import type { Channel } from "../notify/channel.js";
import { createChannel, type ChannelConfig, type ChannelDeps } from "../notify/channels/config.js";
import type { Person } from "../oncall/directory.js";

export type ContactReceivers = {
  email?: string | undefined;
  sms?: string | undefined;
  chat?: string | undefined;
};
type Method = "email" | "sms" | "chat";

const PREFIX = "person/";

export class PersonChannels {
  private readonly built = new Map<string, { address: string; channel: Channel }>();

  constructor(
    private config: Pick<AlertingConfig, "receivers"> & { escalation?: { contacts?: ContactReceivers } },
    /** A person by user name, with their current contact methods. */
    private readonly person: (name: string) => Person | undefined,
    private readonly deps: ChannelDeps = {},
  ) {}

  /** A reload: channels are rebuilt from the new templates at their next send. */
  setConfig(config: PersonChannels["config"]): void {
    this.config = config;
    void this.close();
  }

  /** The channel names that reach this person, for the methods they have and lineops can send. */
  namesFor(p: Person): string[] {
    if (p.disabled) {
      return [];
    }
    const out: string[] = [];
    for (const m of ["email", "sms", "chat"] as const) {
      if (addressOf(p, m) !== undefined && this.template(m) !== undefined) {
        out.push(`${PREFIX}${p.name}/${m}`);
      }
    }
    return out;
  }

  /** The channel behind a `person/<user>/<method>` name, undefined for any other name or no address. */
  resolve(name: string): Channel | undefined {
    if (!name.startsWith(PREFIX)) {
      return undefined;
    }
    const rest = name.slice(PREFIX.length);
    const slash = rest.lastIndexOf("/");
    const user = rest.slice(0, slash);
    const method = rest.slice(slash + 1) as Method;
    const p = slash > 0 ? this.person(user) : undefined;
    const address = p && !p.disabled ? addressOf(p, method) : undefined;
    const template = this.template(method);
    if (address === undefined || template === undefined) {
      return undefined;
    }
    const had = this.built.get(name);
    if (had?.address === address) {
      return had.channel;
    }
    void had?.channel.close();
    const channel = createChannel(name, withAddress(template, address), this.deps);
    this.built.set(name, { address, channel });
    return channel;
  }

  async close(): Promise<void> {
    const all = [...this.built.values()];
    this.built.clear();
    await Promise.all(all.map((b) => b.channel.close()));
  }

  private template(m: Method): ChannelConfig | undefined {
    const receiver = this.config.escalation?.contacts?.[m];
    const r = receiver === undefined ? undefined : this.config.receivers.find((x) => x.name === receiver);
    if (r === undefined) {
      return undefined;
    }
    if (m === "email" && r.email_configs[0]) {
      return { type: "email", config: r.email_configs[0] };
    }
    if (m === "sms" && r.sms_configs[0]) {
      return { type: "sms", config: r.sms_configs[0] };
    }
    if (m === "chat" && r.slack_configs[0]) {
      return { type: "slack", config: r.slack_configs[0] };
    }
    return undefined;
  }
}

function addressOf(p: Person, m: Method): string | undefined {
  return m === "email" ? p.contact.email : m === "sms" ? p.contact.phone : p.contact.chat;
}

function withAddress(t: ChannelConfig, address: string): ChannelConfig {
  switch (t.type) {
    case "email":
      return { type: "email", config: { ...t.config, to: address } };
    case "sms":
      return { type: "sms", config: { ...t.config, to: address } };
    case "slack":
      return { type: "slack", config: { ...t.config, channel: address } };
    default:
      return t;
  }
}
