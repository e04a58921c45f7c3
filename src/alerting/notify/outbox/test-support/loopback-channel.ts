// A minimal real Channel for the outbox tests: POSTs the notification as JSON to a loopback HTTP
// receiver with the idempotency key in a header, and maps the answer as the real channels do
// (2xx receipt, 429/5xx and network errors retriable, other 4xx final). The six production
// channels live in ../../channels/; the outbox only needs the contract.
import type { Channel, ChannelType, Notification, SendResult } from "../../channel.js";

export class LoopbackChannel implements Channel {
  readonly type: ChannelType = "webhook";

  constructor(
    readonly name: string,
    private readonly url: string,
  ) {}

  async send(notification: Notification, signal?: AbortSignal): Promise<SendResult> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": notification.key },
        body: JSON.stringify({ key: notification.key, event: notification.event, channel: this.name }),
        ...(signal ? { signal } : {}),
      });
      await res.arrayBuffer();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { ok: false, retriable: true, error: `${(err as Error).message}${cause ? ` (${cause})` : ""}` };
    }
    if (res.ok) {
      return {
        ok: true,
        receipt: {
          channel: this.name,
          type: this.type,
          key: notification.key,
          at: Date.now(),
          detail: `HTTP ${res.status}`,
        },
      };
    }
    const retriable = res.status === 429 || res.status >= 500;
    return { ok: false, retriable, error: `HTTP ${res.status}`, status: res.status };
  }

  async close(): Promise<void> {}
}
