#!/usr/bin/env bash
# Installs, idempotently, every Debian package lineops's test suites and benchmarks use:
# the real peers (Prometheus, Alertmanager, node_exporter), an MQTT broker, a container engine,
# a browser, and load tools. Already-installed packages are skipped; run as root.
set -euo pipefail

PACKAGES=(
  prometheus                 # peer and oracle for the TSDB, PromQL and remote write (2.42 + promtool)
  prometheus-node-exporter   # a real exporter to scrape
  prometheus-alertmanager    # Alertmanager + amtool as API clients and peer
  mosquitto                  # MQTT broker for andon-board notifications
  mosquitto-clients
  podman                     # Docker-compatible container engine for the container runtime
  runc
  chromium                   # end-to-end tests of the web UI
  chromium-driver
  wrk                        # load from a second process
  hyperfine
  procps                     # ps/pgrep used by process tests
)

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: not root; install these yourself: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system-deps: all ${#PACKAGES[@]} packages present"
else
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# podman's default runtime (crun) fails in this sandbox; runc with cgroupfs works (REAL-COMPONENTS.md).
conf=/etc/containers/containers.conf
if [ ! -f "$conf" ] || ! grep -q 'runtime = "runc"' "$conf"; then
  mkdir -p /etc/containers
  cat > "$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
fi
