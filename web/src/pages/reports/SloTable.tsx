// Availability per service against its objective: the error budget left over the objective's
// window and the burn rates over the SRE workbook's windows; a rate at its threshold is marked.
import { useEffect, useState } from "react";
import { getSlo, type SloReport } from "./api.js";
import { burn, message, percent } from "./format.js";

type State = { kind: "loading" } | { kind: "error"; message: string } | { kind: "ok"; slo: SloReport };

export function SloTable() {
  const [state, setState] = useState<State>({ kind: "loading" });
  useEffect(() => {
    const abort = new AbortController();
    getSlo(abort.signal).then(
      (slo) => setState({ kind: "ok", slo }),
      (err: unknown) => !abort.signal.aborted && setState({ kind: "error", message: message(err) }),
    );
    return () => abort.abort();
  }, []);

  return (
    <section className="panel reports-section" aria-labelledby="slo-title">
      <h2 id="slo-title">Availability and SLOs</h2>
      {state.kind === "loading" ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : state.kind === "error" ? (
        <p className="error-text" role="alert">
          {state.message}
        </p>
      ) : (
        <>
          <p className="muted">
            Over the last {Math.round(state.slo.windowSeconds / 86_400)} days: {state.slo.indicator}. Burn
            rate 1 spends the budget exactly over the window; the thresholds (14.4 / 6 / 1) are the Google SRE
            workbook&apos;s.
          </p>
          {state.slo.services.length === 0 ? (
            <p className="muted">No services on the line yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="result-table slo-table">
                <caption className="visually-hidden">SLO per service</caption>
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">Objective</th>
                    <th scope="col">Availability</th>
                    <th scope="col">Budget left</th>
                    <th scope="col">Burn 1h (page ≥ 14.4)</th>
                    <th scope="col">Burn 6h (page ≥ 6)</th>
                    <th scope="col">Burn 3d (ticket ≥ 1)</th>
                  </tr>
                </thead>
                <tbody>
                  {state.slo.services.map((s) => (
                    <tr key={s.service}>
                      <th scope="row">{s.service}</th>
                      <td>{s.objective} %</td>
                      <td>{s.requests === 0 ? "no requests" : percent(s.availability)}</td>
                      <td className={s.budgetRemaining < 0 ? "slo-over" : undefined}>
                        {percent(s.budgetRemaining, 0)}
                      </td>
                      {s.burnRates.map((b) => {
                        const hot = b.rate !== null && b.rate >= b.threshold;
                        return (
                          <td key={b.window} className={hot ? "slo-over" : undefined}>
                            {burn(b.rate)}
                            {hot && <span className="visually-hidden"> (at or above the threshold)</span>}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
