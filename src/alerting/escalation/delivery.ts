// Incident notifications from decision to receipt, assembled once for main.ts: the channels of the
// alerting config, the durable outbox with each receiver's `delivery:` policy, channels that reach a
// person at their own address, the stored escalation policies and the runner that pages along them.
// The incident manager's sink is the runner; the outbox's receipts go back into the incident
// timeline in the transaction that stores them.
import type { Registry } from "prom-client";
import type { Clock } from "../../clock.js";
import type { Db } from "../../store/db.js";
import { EscalationPolicyRepository } from "../../store/escalation.js";
import type { AlertingConfig } from "../config/load.js";
import type { IncidentManager } from "../incidents/manager.js";
import type { Channel, ChannelType } from "../notify/channel.js";
import { channelsOfReceiver, createChannels } from "../notify/channels/config.js";
import { resolvePolicy, type ChannelPolicy } from "../notify/outbox/config.js";
import { Outbox } from "../notify/outbox/outbox.js";
import type { OnCallDirectory } from "../oncall/directory.js";
import { EscalationPolicies } from "./policies.js";
import { PersonChannels } from "./person-channels.js";
import { EscalationRunner } from "./runner.js";

export type DeliveryOptions = {
  db: Db;
  config: AlertingConfig;
  oncall: OnCallDirectory;
  logger: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
  registry?: Registry;
  clock?: Clock;
};

export class Delivery {
  readonly outbox: Outbox;
  readonly runner: EscalationRunner;
  readonly policies: EscalationPolicies;
  private readonly persons: PersonChannels;
  private config: AlertingConfig;
  private channels: Map<string, Channel>;
  private incidents: IncidentManager | undefined;

  constructor(private readonly o: DeliveryOptions) {
    this.config = o.config;
    this.channels = createChannels(o.config, o.clock ? { now: () => o.clock!.now() } : {});
    this.persons = new PersonChannels(o.config, (name) => o.oncall.person(name));
    this.policies = new EscalationPolicies(
      new EscalationPolicyRepository(o.db),
      {
        checkPerson: (t) => o.oncall.checkTarget(t),
        receivers: () => this.config.receivers.map((r) => r.name),
      },
      o.clock ? () => o.clock!.now() : Date.now,
    );
    this.outbox = new Outbox({
      db: o.db,
      channels: this.channels.values(),
      policies: deliveryPolicies(o.config),
      logger: o.logger,
      resolveChannel: (name) => this.persons.resolve(name),
      onReceipt: (r) => this.recordReceipt(r),
      ...(o.registry ? { registry: o.registry } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    const ackTimeout = o.config.escalation?.ack_timeout;
    this.runner = new EscalationRunner({
      db: o.db,
      outbox: this.outbox,
      people: o.oncall,
      policies: () => this.policies.list(),
      receiverChannels: (receiver) => channelsOfReceiver(this.config, receiver),
      personChannels: (p) => this.persons.namesFor(p),
      ...(ackTimeout !== undefined ? { defaultAckTimeoutMs: ackTimeout } : {}),
      logger: o.logger,
      ...(o.clock ? { clock: o.clock } : {}),
    });
  }

  /** The manager is built with `runner` as its sink; it is handed over here. */
  attach(incidents: IncidentManager): void {
    this.incidents = incidents;
    this.runner.attach(incidents);
  }

  /** Pending messages and overdue steps resume from their stored times. */
  start(): void {
    this.outbox.start();
    this.runner.start();
  }

  /** Escalation first (no new pages), then the sends in flight get `graceMs`; then channels close. */
  async stop(graceMs = 10_000): Promise<void> {
    this.runner.stop();
    await this.outbox.stop(graceMs);
    await Promise.all([...this.channels.values()].map((c) => c.close()));
    await this.persons.close();
  }

  /**
   * A config reload: new channels and policies. Throws, changing nothing, when a `delivery.fallback`
   * names nothing configured; old channels are closed only once the new ones are in place.
   */
  reload(config: AlertingConfig): void {
    const next = createChannels(config, this.o.clock ? { now: () => this.o.clock!.now() } : {});
    try {
      this.outbox.setChannels(next.values(), deliveryPolicies(config));
    } catch (err) {
      void Promise.all([...next.values()].map((c) => c.close()));
      throw err;
    }
    const old = this.channels;
    this.channels = next;
    this.config = config;
    this.persons.setConfig(config);
    void Promise.all([...old.values()].map((c) => c.close()));
  }

  private recordReceipt(r: {
    incidentId?: string;
    channel: string;
    type: string;
    key: string;
    at: number;
    detail: string;
  }): void {
    const id = Number(r.incidentId);
    if (r.incidentId === undefined || !Number.isSafeInteger(id) || this.incidents === undefined) {
      return;
    }
    try {
      this.incidents.recordReceipt(id, {
        channel: r.channel,
        type: r.type as ChannelType,
        key: r.key,
        at: r.at,
        detail: r.detail,
      });
    } catch (err) {
      // An incident gone (pruned) must not undo the delivered mark: the receipt is kept by the outbox.
      this.o.logger.warn(
        { err: String(err), incident: r.incidentId },
        "receipt not added to the incident timeline",
      );
    }
  }
}

/**
 * Each receiver's `delivery:` applies to every channel of it; a fallback may name a receiver (its
 * first channel) or one channel (`<receiver>/<type>/<index>`).
 */
export function deliveryPolicies(config: AlertingConfig): Record<string, ChannelPolicy> {
  const out: Record<string, ChannelPolicy> = {};
  for (const r of config.receivers) {
    if (r.delivery === undefined) {
      continue;
    }
    const policy = resolvePolicy(r.delivery);
    if (policy.fallback !== undefined && !policy.fallback.includes("/")) {
      const first = channelsOfReceiver(config, policy.fallback)[0];
      if (first !== undefined) {
        policy.fallback = first;
      }
    }
    for (const name of channelsOfReceiver(config, r.name)) {
      out[name] = policy;
    }
  }
  return out;
}
