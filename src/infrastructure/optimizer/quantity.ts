// line.yaml's `resources` and the CLI's node sizes as numbers: CPU in cores ("250m" = 0.25),
// memory in bytes ("128Mi" = 128·2²⁰; Ki, Mi, Gi, Ti are powers of two as in Kubernetes).

const MEMORY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Cores of a CPU quantity (a number of cores or "<n>m"); undefined when absent. Throws naming `what` on garbage. */
export function cpuCores(q: number | string | undefined, what = "cpu"): number | undefined {
  if (q === undefined) {
    return undefined;
  }
  if (typeof q === "number") {
    if (!(q > 0) || !Number.isFinite(q)) {
      throw new Error(`${what}: ${q} is not a positive number of cores`);
    }
    return q;
  }
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  const n = m ? Number(m[1]) / (m[2] === "m" ? 1000 : 1) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new Error(`${what}: "${q}" is not a CPU quantity (cores like 2 or 0.5, or millicores like 250m)`);
  }
  return n;
}

/** Bytes of a memory quantity (bytes, or <n>Ki/Mi/Gi/Ti); undefined when absent. Throws naming `what` on garbage. */
export function memoryBytes(q: number | string | undefined, what = "memory"): number | undefined {
  if (q === undefined) {
    return undefined;
  }
  if (typeof q === "number") {
    if (!(q > 0) || !Number.isFinite(q)) {
      throw new Error(`${what}: ${q} is not a positive number of bytes`);
    }
    return q;
  }
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  const n = m ? Number(m[1]) * (m[2] ? (MEMORY_UNITS[m[2]] ?? NaN) : 1) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new Error(`${what}: "${q}" is not a memory quantity (bytes, or a number with Ki, Mi, Gi or Ti)`);
  }
  return n;
}
