// What the line looks like now: each service's release and instance counts, one service in detail,
// and the deployment records. Read-only queries over the fleet and the deployment repository.
import type { Instance } from "../runtime/types.js";
import type { DeploymentEvent, DeploymentRecord } from "../store/deployments.js";
import { DeploymentErrors } from "./errors.js";
import type { Fleet } from "./fleet.js";
import type { ServiceStatus, StoredServiceSpec } from "./types.js";

export class StatusView {
  constructor(private readonly fleet: Fleet) {}

  status(): ServiceStatus[] {
    const { runtime, frontDoors } = this.fleet.o;
    return [...this.fleet.releases.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { spec, revision }]) => {
        const current = runtime
          .list({ service: name, revision: revision.hash })
          .filter((i) => i.state !== "stopped");
        const readyInstances = current.filter((i) => i.state === "ready").length;
        const desired = this.fleet.desiredCount(name);
        const url = frontDoors.addressOf(name)?.url;
        const notStarted = this.fleet.notStarted.get(name);
        return {
          name,
          version: spec.version,
          revision: revision.hash,
          revisionNumber: revision.number,
          ...(url ? { url } : {}),
          desired,
          instances: current.length,
          readyInstances,
          failedInstances: current.filter((i) => i.state === "failed").length,
          ready: readyInstances >= desired,
          dependsOn: spec.dependsOn,
          ...(spec.stations ? { stations: spec.stations } : {}),
          ...(notStarted ? { error: notStarted } : {}),
        };
      });
  }

  service(name: string): { status: ServiceStatus; spec: StoredServiceSpec; instances: Instance[] } {
    const entry = this.fleet.require(name);
    const status = this.status().find((s) => s.name === name);
    if (!status) {
      throw DeploymentErrors.serviceNotFound(`service "${name}" not found`);
    }
    return { status, spec: entry.spec, instances: this.fleet.o.runtime.list({ service: name }) };
  }

  line(): { name: string; order: string[][] } {
    return { name: this.fleet.lineName, order: this.fleet.levels() };
  }

  deployments(service?: string): DeploymentRecord[] {
    return this.fleet.o.deployments.list(service ? { service } : {});
  }

  deployment(id: string): DeploymentRecord & { events: DeploymentEvent[] } {
    const record = this.fleet.o.deployments.get(id);
    if (!record) {
      throw DeploymentErrors.deploymentNotFound(`deployment "${id}" not found`);
    }
    return { ...record, events: this.fleet.o.deployments.events(id) };
  }
}
