// Errors of the notification outbox with stable codes: a message that cannot be enqueued (a bad
// idempotency key) and delivery settings that cannot work (a fallback naming an unknown channel).
import { defineError } from "../../../errors.js";

export const OutboxErrors = {
  invalidItem: defineError("LINEOPS_ERR_OUTBOX_ITEM_INVALID", 400, "bad_data"),
  invalidConfig: defineError("LINEOPS_ERR_OUTBOX_CONFIG_INVALID", 400, "bad_data"),
} as const;
