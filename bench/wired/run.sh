#!/usr/bin/env bash
# Wired interrupts and the kick: the same question as the kick vs no-kick
# study, asked of interrupts that come through KVM's in-kernel APLIC.
#
#   bench/wired/run.sh [OUTDIR]
#
# For each kind of device (an MSI device; a wired edge device; a wired
# level device serving everything per interrupt; one serving one request
# per interrupt), each guest behaviour (busy, idle) and each policy (kick,
# nokick, wake_first), SEEDS seeds (default 5) of a 20 ms run: one VM of 4
# vCPUs on harts 1-4 (hart 0 injects), the device at RATE requests per
# second (default 20000) to vCPU 1. Writes OUTDIR/results.csv (every run)
# and OUTDIR/summary.txt (means over the seeds), and prints the summary.
# Environment: AIASIM (default build/aiasim), SEEDS, RATE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/wired}
aiasim=${AIASIM:-$top/build/aiasim}
seeds=${SEEDS:-5}
rate=${RATE:-20000}
[ -x "$aiasim" ] || { echo "run.sh: $aiasim not found (build first: make build)" >&2; exit 2; }
mkdir -p "$out/scn"
csv="$out/results.csv"
rm -f "$csv"

device() { # kind -> the device lines
  case $1 in
    msi) printf '  - name: dev\n    vm: vm0\n    vcpus: [1]\n    iids: [10]\n' ;;
    edge) printf '  - name: dev\n    vm: vm0\n    wired: { source: 10, trigger: edge_rising, vcpu: 1 }\n' ;;
    level) printf '  - name: dev\n    vm: vm0\n    wired: { source: 10, trigger: level_high, vcpu: 1 }\n' ;;
    level1) printf '  - name: dev\n    vm: vm0\n    wired: { source: 10, trigger: level_high, vcpu: 1, per_ack: 1 }\n' ;;
  esac
}

for kind in msi edge level level1; do
  for beh in busy idle; do
    f="$out/scn/$kind-$beh.yaml"
    {
      printf 'aiasim: 1\nname: %s-%s\nseed: 1\nduration: 20ms\ndrain: 5ms\nkernel: C\n' "$kind" "$beh"
      printf 'policy: [kick, nokick, wake_first]\n'
      printf 'platform: { harts: 5, geilen: 7, ids: 255 }\nhost: { injector_hart: 0 }\n'
      printf 'vms:\n  - name: vm0\n    vcpus: 4\n    affinity: [1, 2, 3, 4]\n'
      printf '    guest: { behaviour: %s }\ndevices:\n' "$beh"
      device "$kind"
      printf '    pattern: poisson\n    rate: %s/s\n' "$rate"
    } > "$f"
    for s in $(seq 1 "$seeds"); do
      "$aiasim" run "$f" --seed "$s" --quiet --csv "$out/run.csv" >/dev/null || true
      if [ ! -f "$csv" ]; then head -1 "$out/run.csv" | sed 's/^/kind,behaviour,/' > "$csv"; fi
      tail -n +2 "$out/run.csv" | sed "s/^/$kind,$beh,/" >> "$csv"
    done
  done
done
rm -f "$out/run.csv"

awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
  k = $1 " " $2 " " $(col["policy"])
  if (!(k in n)) order[++nk] = k
  n[k]++
  lost[k] += $(col["lost_wakeups"]) + $(col["lost_interrupts"])
  served = $(col["wired_requests"]) > 0 ? $(col["wired_served"]) : $(col["claimed"]) + $(col["coalesced"])
  irq[k] += served
  p50[k] += ($(col["wired_requests"]) > 0 ? $(col["wired_latency_p50"]) : $(col["lat_p50"]))
  p99[k] += ($(col["wired_requests"]) > 0 ? $(col["wired_latency_p99"]) : $(col["lat_p99"]))
  ipis[k] += $(col["kick_ipis"])
  lostc[k] += $(col["guest_cycles_lost_to_kicks"])
  exits[k] += $(col["vm_exits"])
  mmio[k] += $(col["mmio_exit_kernel"])
  msis[k] += $(col["msis"])
}
END {
  printf "%-7s %-5s %-10s %6s %8s %8s %9s %9s %8s %10s %8s %8s\n", "device", "guest", "policy", "lost", "served", "MSIs", "p50", "p99", "kickIPI", "lostcyc", "exits/i", "mmio/i"
  for (i = 1; i <= nk; i++) {
    k = order[i]; split(k, a, " "); m = n[k]
    printf "%-7s %-5s %-10s %6.1f %8.0f %8.0f %9.0f %9.0f %8.0f %10.0f %8.2f %8.2f\n", a[1], a[2], a[3], lost[k] / m, irq[k] / m, msis[k] / m, p50[k] / m, p99[k] / m, ipis[k] / m, lostc[k] / m, exits[k] / (irq[k] ? irq[k] : 1), mmio[k] / (irq[k] ? irq[k] : 1)
  }
}' "$csv" | tee "$out/summary.txt"
