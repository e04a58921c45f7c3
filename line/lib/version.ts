// Maps SERVICE_VERSION to simulated behaviour, so lineops has a healthy upgrade (1.1.0) and a
// broken release (1.2.0-faulty) to roll out, canary and roll back.

export type VersionProfile = {
  /** Multiplier on a station's nominal cycle time: 1.1.0 is the "slightly faster" upgrade. */
  cycleFactor: number;
  /** The defective release: each service decides what "faulty" means for it. */
  faulty: boolean;
};

const KNOWN: Record<string, VersionProfile> = {
  "1.0.0": { cycleFactor: 1, faulty: false },
  "1.1.0": { cycleFactor: 0.8, faulty: false },
  "1.2.0-faulty": { cycleFactor: 1, faulty: true },
};

export function profileFor(version: string): VersionProfile {
  // Unknown versions act like the baseline, except any "-faulty" prerelease, so new broken builds
  // can be simulated without code changes.
  return KNOWN[version] ?? { cycleFactor: 1, faulty: /-faulty\b/.test(version) };
}
