// The Deployments page's data, kept current by the live stream: every fetch here runs on load, on
// the stream's (re)start or reset, and when a pushed event says that what it shows changed. Nothing
// polls. Fetches triggered while one runs are coalesced into one more run after it.
import { useCallback, useEffect, useRef, useState } from "react";
import { onLive, onLiveResync } from "../../api/live.js";
import * as D from "./api.js";

export type Loaded<T> = { data: T | undefined; error: string | undefined };

/** Runs `run` now, or once more after the run in flight: at most one at a time, none lost. */
export function coalesce(run: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const go = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    void run().finally(() => {
      running = false;
      if (again) {
        go();
      }
    });
  };
  return go;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A coalesced load (see coalesce) of `fetch` into a Loaded state: the data on success, the error
 * beside the data already shown on failure; nothing once `alive()` is false (the view moved on).
 */
function coalescedLoad<T>(
  fetch: () => Promise<T>,
  setState: (update: Loaded<T> | ((s: Loaded<T>) => Loaded<T>)) => void,
  alive: () => boolean,
): () => void {
  return coalesce(async () => {
    try {
      const data = await fetch();
      if (alive()) {
        setState({ data, error: undefined });
      }
    } catch (err) {
      if (alive()) {
        setState((s) => ({ data: s.data, error: message(err) }));
      }
    }
  });
}

/** A deployment event as the stream pushes it (docs/api.md "Live updates"). */
type DeploymentPush = { kind?: string; id?: string; service?: string };
type InstancePush = { type?: string; instance?: D.Instance };

/** The list of deployments (of one service, or all), refreshed when one starts, moves or ends. */
export function useDeployments(service: string | undefined): Loaded<D.Deployment[]> & { reload: () => void } {
  const [state, setState] = useState<Loaded<D.Deployment[]>>({ data: undefined, error: undefined });
  const live = useRef(true);
  const reload = useRef<() => void>(() => undefined);

  useEffect(() => {
    live.current = true;
    setState({ data: undefined, error: undefined });
    const load = coalescedLoad(
      () => D.listDeployments(service),
      setState,
      () => live.current,
    );
    reload.current = load;
    load();
    const offSync = onLiveResync(load);
    const offLive = onLive("deployment", (raw) => {
      const e = raw as DeploymentPush;
      if (service !== undefined && e.service !== service) {
        return;
      }
      // Phase changes come as started/finished and as the rollout's phase, pause, gate and control events.
      if (/^(started|finished|line\.applied|event\.(phase|pause|gate|control|created))$/.test(e.kind ?? "")) {
        load();
      }
    });
    return () => {
      live.current = false;
      offSync();
      offLive();
    };
  }, [service]);

  return { ...state, reload: useCallback(() => reload.current(), []) };
}

const MAX_EVENTS = 5000;

/** One deployment with its events; pushed events of it fetch what came after the last one held. */
export function useDeployment(id: string | undefined): Loaded<D.DeploymentDetail> {
  const [state, setState] = useState<Loaded<D.DeploymentDetail>>({ data: undefined, error: undefined });

  useEffect(() => {
    let live = true;
    let held: D.DeploymentDetail | undefined;
    setState({ data: undefined, error: undefined });
    if (id === undefined) {
      return undefined;
    }
    const load = coalesce(async () => {
      try {
        const after = held?.events[held.events.length - 1]?.id ?? 0;
        const fresh = await D.getDeployment(id, after);
        if (!live) {
          return;
        }
        const events = [...(held?.events ?? []), ...fresh.events].slice(-MAX_EVENTS);
        held = { ...fresh, events };
        setState({ data: held, error: undefined });
      } catch (err) {
        if (live) {
          setState((s) => ({ data: s.data, error: message(err) }));
        }
      }
    });
    load();
    const offSync = onLiveResync(load);
    const offLive = onLive("deployment", (raw) => {
      if ((raw as DeploymentPush).id === id) {
        load();
      }
    });
    return () => {
      live = false;
      offSync();
      offLive();
    };
  }, [id]);

  return state;
}

const GONE = new Set(["stopped", "failed"]);

/** A service's instances, updated from the stream's instance events as they happen. */
export function useInstances(service: string | undefined): Loaded<D.Instance[]> {
  const [state, setState] = useState<Loaded<D.Instance[]>>({ data: undefined, error: undefined });

  useEffect(() => {
    let live = true;
    setState({ data: undefined, error: undefined });
    if (service === undefined) {
      return undefined;
    }
    const load = coalescedLoad(
      () => D.instances(service),
      setState,
      () => live,
    );
    load();
    const offSync = onLiveResync(load);
    const offLive = onLive("instance", (raw) => {
      const i = (raw as InstancePush).instance;
      if (!i || i.service !== service) {
        return;
      }
      setState((s) => {
        const list = s.data ?? [];
        const rest = list.filter((x) => x.id !== i.id);
        // Stopped and failed instances leave the list, as GET /api/v1/instances leaves them soon.
        const next = GONE.has(i.state) ? rest : [...rest, { ...list.find((x) => x.id === i.id), ...i }];
        return { data: next.sort((a, b) => a.id.localeCompare(b.id)), error: s.error };
      });
    });
    return () => {
      live = false;
      offSync();
      offLive();
    };
  }, [service]);

  return state;
}

/** A service's revisions, newest first; a new deployment of it (a new revision) reloads them. */
export function useRevisions(service: string | undefined): Loaded<D.Revision[]> {
  const [state, setState] = useState<Loaded<D.Revision[]>>({ data: undefined, error: undefined });

  useEffect(() => {
    let live = true;
    setState({ data: undefined, error: undefined });
    if (service === undefined) {
      return undefined;
    }
    const load = coalescedLoad(
      () => D.revisions(service),
      setState,
      () => live,
    );
    load();
    const offSync = onLiveResync(load);
    const offLive = onLive("deployment", (raw) => {
      const e = raw as DeploymentPush;
      if (e.service === service && (e.kind === "started" || e.kind === "line.applied")) {
        load();
      }
    });
    return () => {
      live = false;
      offSync();
      offLive();
    };
  }, [service]);

  return state;
}

/** Something loaded once and again when the stream restarts or a deployment finishes (status, DORA). */
export function useOnFinish<T>(fetcher: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined });
  const f = useRef(fetcher);
  f.current = fetcher;

  useEffect(() => {
    let live = true;
    const load = coalescedLoad(
      () => f.current(),
      setState,
      () => live,
    );
    load();
    const offSync = onLiveResync(load);
    const offLive = onLive("deployment", (raw) => {
      const kind = (raw as DeploymentPush).kind;
      if (kind === "finished" || kind === "started" || kind === "line.applied") {
        load();
      }
    });
    return () => {
      live = false;
      offSync();
      offLive();
    };
  }, []);

  return state;
}
