// Starting a deployment (operator): a service, a new version or one of its revisions, and optionally
// a strategy other than the service's own (JSON, as line.yaml's `strategy`). The API validates; its
// message is shown next to the field it names (body.version → Version), else above the buttons.
import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import * as D from "./api.js";
import { fieldOf, type DeployField } from "./model.js";

/** Starting points for a strategy override, as line.yaml would spell them (durations in ms or "30s"). */
const STRATEGY_TEMPLATES: Record<string, unknown> = {
  rolling: { type: "rolling", maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0 },
  canary: { type: "canary", steps: [{ setWeight: 25 }, { pause: { duration: "30s" } }, { setWeight: 100 }] },
  blueGreen: { type: "blueGreen", autoPromote: false, scaleDownDelay: "30s" },
  recreate: { type: "recreate" },
};

type Errors = Partial<Record<DeployField | "form", string>>;

export function StartForm({
  services,
  initialService,
  onStarted,
}: {
  services: readonly D.ServiceStatus[];
  initialService: string | undefined;
  onStarted: (d: D.Deployment) => void;
}) {
  const ids = useId();
  const [service, setService] = useState(initialService ?? services[0]?.name ?? "");
  const [mode, setMode] = useState<"version" | "revision">("version");
  const [version, setVersion] = useState("");
  const [revision, setRevision] = useState("");
  const [strategyType, setStrategyType] = useState("");
  const [strategyText, setStrategyText] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [revs, setRevs] = useState<D.Revision[]>([]);

  useEffect(() => {
    if (service === "" && services[0]) {
      setService(services[0].name);
    }
  }, [service, services]);

  useEffect(() => {
    if (mode !== "revision" || service === "") {
      return undefined;
    }
    const abort = new AbortController();
    D.revisions(service, abort.signal).then(
      (r) => setRevs(r),
      () => setRevs([]),
    );
    return () => abort.abort();
  }, [mode, service]);

  const pickStrategy = (type: string) => {
    setStrategyType(type);
    setStrategyText(type === "" ? "" : JSON.stringify(STRATEGY_TEMPLATES[type], null, 2));
    setErrors((e) => ({ ...e, strategy: undefined }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input: D.DeployInput = { service };
    if (mode === "version") {
      input.version = version.trim();
    } else {
      input.revision = revision;
    }
    if (strategyType !== "") {
      try {
        input.strategy = JSON.parse(strategyText) as unknown;
      } catch (err) {
        setErrors({ strategy: `not JSON: ${(err as Error).message}` });
        return;
      }
    }
    setBusy(true);
    setErrors({});
    D.deploy(input).then(
      (d) => {
        setBusy(false);
        setVersion("");
        onStarted(d);
      },
      (err: unknown) => {
        setBusy(false);
        const field = fieldOf(err);
        const text = err instanceof ApiError ? err.message : String(err);
        setErrors(field ? { [field]: text } : { form: text });
      },
    );
  };

  const described = (f: DeployField) =>
    errors[f] ? { "aria-invalid": true, "aria-describedby": `${ids}-${f}-err` } : {};
  const fieldError = (f: DeployField) =>
    errors[f] ? (
      <span id={`${ids}-${f}-err`} className="error-text field-error">
        {errors[f]}
      </span>
    ) : null;

  return (
    <form className="panel start-form" onSubmit={submit} aria-labelledby={`${ids}-h`} noValidate>
      <h2 id={`${ids}-h`}>Start a deployment</h2>
      <div className="field">
        <label htmlFor={`${ids}-service`}>Service</label>
        <select
          id={`${ids}-service`}
          value={service}
          onChange={(e) => setService(e.target.value)}
          {...described("service")}
        >
          {services.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} (runs {s.version}, rev {s.revisionNumber})
            </option>
          ))}
        </select>
        {fieldError("service")}
      </div>
      <fieldset className="segmented">
        <legend>Deploy</legend>
        <div className="segmented-options">
          <label>
            <input
              type="radio"
              name={`${ids}-mode`}
              checked={mode === "version"}
              onChange={() => setMode("version")}
            />
            A new version
          </label>
          <label>
            <input
              type="radio"
              name={`${ids}-mode`}
              checked={mode === "revision"}
              onChange={() => setMode("revision")}
            />
            A revision
          </label>
        </div>
      </fieldset>
      {mode === "version" ? (
        <div className="field">
          <label htmlFor={`${ids}-version`}>Version</label>
          <input
            id={`${ids}-version`}
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            placeholder="1.2.0"
            autoComplete="off"
            spellCheck={false}
            {...described("version")}
          />
          {fieldError("version")}
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${ids}-revision`}>Revision</label>
          <select
            id={`${ids}-revision`}
            value={revision}
            onChange={(e) => setRevision(e.target.value)}
            {...described("revision")}
          >
            <option value="">Choose a revision</option>
            {revs.map((r) => (
              <option key={r.hash} value={String(r.number)}>
                rev {r.number}: {r.version} ({new Date(r.createdAt).toLocaleString()})
              </option>
            ))}
          </select>
          {fieldError("revision")}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${ids}-strategy-type`}>Strategy</label>
        <select
          id={`${ids}-strategy-type`}
          value={strategyType}
          onChange={(e) => pickStrategy(e.target.value)}
        >
          <option value="">The service&apos;s own (line.yaml)</option>
          <option value="rolling">Rolling update</option>
          <option value="canary">Canary</option>
          <option value="blueGreen">Blue-green</option>
          <option value="recreate">Recreate</option>
        </select>
      </div>
      {strategyType !== "" && (
        <div className="field">
          <label htmlFor={`${ids}-strategy`}>Strategy override (JSON, as line.yaml&apos;s strategy)</label>
          <textarea
            id={`${ids}-strategy`}
            className="mono"
            rows={Math.min(14, strategyText.split("\n").length + 1)}
            value={strategyText}
            onChange={(e) => setStrategyText(e.target.value)}
            spellCheck={false}
            {...described("strategy")}
          />
          {fieldError("strategy")}
        </div>
      )}
      {errors.form ? (
        <p className="error-text" role="alert">
          {errors.form}
        </p>
      ) : null}
      {Object.keys(errors).some((k) => k !== "form") ? (
        <p className="visually-hidden" role="alert">
          The deployment was refused: {Object.values(errors).join("; ")}
        </p>
      ) : null}
      <div>
        <button type="submit" className="primary" disabled={busy || service === ""}>
          {busy ? "Starting…" : "Deploy"}
        </button>
      </div>
    </form>
  );
}
