// A receiver's integrations: every endpoint it configures (webhook, Slack, email, PagerDuty, MQTT,
// SMS), each as the channel that sends to it plus the two per-config settings the notification
// pipeline applies before the channel sees a message (send_resolved and max_alerts, as
// Alertmanager's RetryStage does). Built whole from one configuration and closed whole when a
// reload replaces it, so no SMTP pool or MQTT client outlives the config that made it.
import type { AlertingConfig } from "../config/load.js";
import type { Channel } from "../notify/channel.js";
import { createChannel, receiverChannelConfigs, type ChannelDeps } from "../notify/channels/config.js";

/** One endpoint of a receiver. `key` is its channel name, `<receiver>/<type>/<index>`, which is also its notification-log receiver. */
export type Integration = {
  key: string;
  channel: Channel;
  /** The config's send_resolved (its schema default per type, as Alertmanager's). */
  sendResolved: boolean;
  /** webhook_config max_alerts; 0 (every other type) sends every alert. */
  maxAlerts: number;
};

export type ReceiverIntegrations = Map<string, Integration[]>;

/**
 * The integrations of every receiver. If one endpoint cannot be built (a config the schema let
 * through but its channel refuses), the ones already built are closed and the error is thrown, so
 * a reload that fails leaves nothing open behind it.
 */
export function buildIntegrations(
  config: Pick<AlertingConfig, "receivers">,
  deps: ChannelDeps = {},
): ReceiverIntegrations {
  const out: ReceiverIntegrations = new Map();
  try {
    for (const r of config.receivers) {
      const list: Integration[] = [];
      out.set(r.name, list);
      for (const { name, channel } of receiverChannelConfigs(r)) {
        list.push({
          key: name,
          channel: createChannel(name, channel, deps),
          sendResolved: channel.config.send_resolved,
          maxAlerts: channel.type === "webhook" ? channel.config.max_alerts : 0,
        });
      }
    }
  } catch (err) {
    void closeIntegrations(out);
    throw err;
  }
  return out;
}

/** Closes every channel; a channel that fails to close is reported, never thrown. */
export async function closeIntegrations(
  receivers: ReceiverIntegrations,
  onError?: (key: string, err: unknown) => void,
): Promise<void> {
  const all = [...receivers.values()].flat();
  await Promise.all(
    all.map(async (i) => {
      try {
        await i.channel.close();
      } catch (err) {
        onError?.(i.key, err);
      }
    }),
  );
}
