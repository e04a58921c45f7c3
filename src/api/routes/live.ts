// Live updates (/api/v1/live): one Server-Sent Events stream per browser carrying deployment, alert
// and instance events and the results of subscribed queries. EventSource can send neither headers
// nor a body, so a stream is opened with a GET (its topics in the query string) and queries are
// subscribed on it by id with ordinary calls (POST / DELETE /api/v1/live/subscriptions).
import { PassThrough } from "node:stream";
import { z } from "zod";
import {
  DashboardErrors,
  TOPICS,
  type DashboardEngine,
  type StreamSink,
  type Topic,
} from "../../dashboard/index.js";
import { ApiErrors } from "../errors.js";
import { route, type ApiApp } from "../validation.js";

const subscriptionId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1 to 64 letters, digits or _ . : -");

export const liveStreamQuery = z.object({
  /** Comma-separated topics (deployment, alert, instance, query); all when absent. */
  topics: z
    .string()
    .max(200)
    .optional()
    .transform((v, ctx) => {
      const names = (v ?? "").split(",").filter((t) => t !== "");
      const bad = names.find((t) => !(TOPICS as readonly string[]).includes(t));
      if (bad !== undefined) {
        ctx.addIssue({ code: "custom", message: `unknown topic "${bad}" (topics: ${TOPICS.join(", ")})` });
        return z.NEVER;
      }
      return names as Topic[];
    }),
  /** The resume point, for clients that open a new EventSource (which sends no Last-Event-ID). */
  lastEventId: z.string().max(64).optional(),
});

/** Subscriptions (and ranges) one request may carry: a page of charts is one request. */
export const MAX_BATCH = 64;

const rangeSeconds = z
  .number()
  .positive()
  .max(31 * 24 * 3600);
const chartSize = {
  /** Seconds between points; the width may make it coarser. */
  step: rangeSeconds.optional(),
  /** The chart's width in pixels: at most this many points per series are sent. */
  width: z.number().int().min(10).max(10_000).optional(),
};
const sized = {
  message: "give step (seconds) or width (pixels), or both",
};
const hasSize = (b: { step?: number | undefined; width?: number | undefined }) =>
  b.step !== undefined || b.width !== undefined;

const subscriptionSpec = z
  .strictObject({
    id: subscriptionId,
    query: z.string().min(1).max(16_384),
    /** Seconds of history the chart shows, up to now. */
    range: rangeSeconds,
    ...chartSize,
  })
  .refine(hasSize, sized);

/** One subscription: {stream, id, query, range, step?, width?}. */
const singleSubscription = z
  .strictObject({
    /** The stream's id, from its `hello` event. */
    stream: z.string().min(1).max(64),
    id: subscriptionId,
    query: z.string().min(1).max(16_384),
    range: rangeSeconds,
    ...chartSize,
  })
  .refine(hasSize, sized);

/**
 * A page's subscriptions in one request: {stream, subscriptions: [...], unsubscribe: [ids]}; the
 * unsubscriptions go first, so a page that changes its time range swaps its charts in one call.
 */
const batchSubscription = z
  .strictObject({
    stream: z.string().min(1).max(64),
    subscriptions: z.array(subscriptionSpec).max(MAX_BATCH).default([]),
    unsubscribe: z.array(subscriptionId).max(MAX_BATCH).default([]),
  })
  .refine((b) => b.subscriptions.length + b.unsubscribe.length > 0, {
    message: "give subscriptions or unsubscribe (or both)",
  })
  .refine((b) => new Set(b.subscriptions.map((s) => s.id)).size === b.subscriptions.length, {
    message: "subscriptions: two have the same id",
  });

/**
 * The single form or the batch (it names subscriptions or unsubscribe): checked against the one it
 * is, so an error names the field at fault instead of "matches neither".
 */
export const liveSubscriptionBody = z.unknown().transform((body, ctx) => {
  const batch =
    typeof body === "object" && body !== null && ("subscriptions" in body || "unsubscribe" in body);
  const r = batch ? batchSubscription.safeParse(body) : singleSubscription.safeParse(body);
  if (!r.success) {
    for (const issue of r.error.issues) {
      ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    }
    return z.NEVER;
  }
  return r.data;
});

/** A page's fixed (past) ranges: {queries: [{query, start, end, step?, width?}]}, times in unix seconds. */
export const liveRangesBody = z.strictObject({
  queries: z
    .array(
      z
        .strictObject({
          query: z.string().min(1).max(16_384),
          start: z.number().min(0).max(1e11),
          end: z.number().min(0).max(1e11),
          ...chartSize,
        })
        .refine(hasSize, sized),
    )
    .min(1)
    .max(MAX_BATCH),
});

export const liveSubscriptionParams = z.object({ stream: z.string().max(64), id: subscriptionId });

export type LiveSubscriptionResponse =
  | { status: "success"; data: { stream: string; id: string; step: number; shared: boolean } }
  | {
      status: "success";
      data: {
        stream: string;
        subscriptions: { id: string; step: number; shared: boolean }[];
        unsubscribed: number;
      };
    };

export function liveRoutes(app: ApiApp, dashboard: DashboardEngine): void {
  const { hub, queries } = dashboard.live;
  /** Responses of open streams: at close, their final event is flushed before connections go. */
  const open = new Set<Promise<void>>();
  // A stream ends before the server waits for its connections to close: lineops's stop never
  // hangs on an open dashboard. The wait for the final events is bounded by the drop grace.
  app.addHook("preClose", async () => {
    hub.closeAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(open),
      new Promise((resolve) => (timer = setTimeout(resolve, hub.options.dropGraceMs))),
    ]);
    clearTimeout(timer);
  });

  app.get(
    "/api/v1/live",
    {
      ...route(
        {
          role: "viewer",
          tag: "live",
          summary: "Live updates: one Server-Sent Events stream (text/event-stream)",
        },
        { querystring: liveStreamQuery },
      ),
      // A HEAD would open a stream nobody reads.
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) {
        throw ApiErrors.unauthorized("no principal on a viewer route");
      }
      const header = request.headers["last-event-id"];
      const lastEventId = (typeof header === "string" ? header : undefined) ?? request.query.lastEventId;
      const body = new PassThrough({ highWaterMark: 16 * 1024 });
      const raw = reply.raw;
      const sink: StreamSink = {
        write: (chunk) => {
          if (!body.destroyed && !body.writableEnded) {
            body.write(chunk);
          }
        },
        // Everything not yet on the socket: the pipe's two buffers and the response's.
        get buffered() {
          return body.writableLength + body.readableLength + raw.writableLength;
        },
        end: () => body.end(),
        destroy: () => {
          body.destroy();
          raw.destroy();
        },
      };
      const stream = hub.open(
        {
          principal: principal.id,
          ...(request.query.topics.length > 0 ? { topics: request.query.topics } : {}),
          ...(lastEventId === undefined ? {} : { lastEventId }),
        },
        sink,
      );
      const closed = new Promise<void>((resolve) => raw.once("close", resolve));
      open.add(closed);
      void closed.then(() => {
        open.delete(closed);
        stream.gone();
      });
      reply
        .header("content-type", "text/event-stream; charset=utf-8")
        // no-transform: a compressing proxy (or middleware) must not buffer the stream.
        .header("cache-control", "no-cache, no-transform")
        .header("x-accel-buffering", "no")
        // Once the stream ends (a drop, shutdown) the connection goes too: a keep-alive socket left
        // idle after it would hold the server's close until the client let go.
        .header("connection", "close");
      return reply.send(body);
    },
  );

  app.post(
    "/api/v1/live/subscriptions",
    route(
      {
        role: "viewer",
        tag: "live",
        summary: "Subscribe a query on a live stream: its points are pushed after every scrape",
        accepts: ["application/json"],
        // Subscriptions are a page's view, not lineops state: nothing to audit.
        readOnly: true,
      },
      { body: liveSubscriptionBody },
    ),
    async (request, reply): Promise<LiveSubscriptionResponse> => {
      const b = request.body;
      const stream = hub.stream(b.stream, request.principal?.id ?? "");
      if (!stream) {
        throw dashboardStreamNotFound(b.stream);
      }
      const spec = (s: { id: string; query: string; range: number; step?: number; width?: number }) => ({
        id: s.id,
        query: s.query,
        rangeMs: Math.round(s.range * 1000),
        ...(s.step === undefined ? {} : { stepMs: Math.round(s.step * 1000) }),
        ...(s.width === undefined ? {} : { widthPx: s.width }),
      });
      reply.code(201);
      if (!("subscriptions" in b)) {
        const r = queries.subscribe(stream, spec(b));
        return { status: "success", data: { stream: stream.id, id: b.id, step: r.step, shared: r.shared } };
      }
      const unsubscribed = queries.unsubscribeAll(stream, b.unsubscribe);
      const made = queries.subscribeAll(
        stream,
        b.subscriptions.map(spec),
        (i, message) => `subscriptions[${i}] (id "${b.subscriptions[i]!.id}"): ${message}`,
      );
      return {
        status: "success",
        data: {
          stream: stream.id,
          subscriptions: made.map((r, i) => ({ id: b.subscriptions[i]!.id, ...r })),
          unsubscribed,
        },
      };
    },
  );

  app.post(
    "/api/v1/live/query_range",
    route(
      {
        role: "viewer",
        tag: "live",
        summary: "A page's fixed (past) time ranges in one request: range queries, width-capped",
        accepts: ["application/json"],
        // A read with a body, as POST /api/v1/query_range is: nothing to audit.
        readOnly: true,
      },
      { body: liveRangesBody },
    ),
    async (request) => {
      const qs = request.body.queries;
      const results = await dashboard.live.ranges(
        qs.map((q) => ({
          query: q.query,
          startMs: Math.round(q.start * 1000),
          endMs: Math.round(q.end * 1000),
          ...(q.step === undefined ? {} : { stepMs: Math.round(q.step * 1000) }),
          ...(q.width === undefined ? {} : { widthPx: q.width }),
        })),
        (i, message) => `queries[${i}]: ${message}`,
      );
      return { status: "success", data: { results } };
    },
  );

  app.delete(
    "/api/v1/live/subscriptions/:stream/:id",
    route(
      { role: "viewer", tag: "live", summary: "Unsubscribe a query from a live stream", readOnly: true },
      { params: liveSubscriptionParams },
    ),
    async (request, reply) => {
      const stream = hub.stream(request.params.stream, request.principal?.id ?? "");
      if (!stream) {
        throw dashboardStreamNotFound(request.params.stream);
      }
      queries.unsubscribe(stream, request.params.id);
      reply.code(204);
    },
  );
}

/** Not the caller's, or not open: the same answer, so stream ids of others cannot be probed. */
function dashboardStreamNotFound(id: string) {
  return DashboardErrors.streamNotFound(
    `no open live stream "${id.slice(0, 64)}" of yours: open GET /api/v1/live and use the id of its hello event`,
  );
}
