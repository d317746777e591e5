#!/usr/bin/env bash
# Soak: random scenarios for a given number of minutes (not run by CI).
#   tests/soak.sh MINUTES [AIASIM]
# Each round draws a random system (harts, guest files, VMs, vCPUs,
# behaviours, affinities, noise, devices, rates, timing jitter) and
#  - runs it in era C with kick, nokick and wake_first: 0 violations required;
#  - runs it again with one fault switch planted in a shape built for that
#    fault: the oracle must report at least one violation.
# Prints totals at the end; exit 1 if any check failed (the scenario is
# kept in the output folder for replay).
set -u
minutes=${1:-30}
aiasim=${2:-$(dirname "$0")/../build/aiasim}
out=${SOAK_DIR:-/tmp/aiasim-soak}
mkdir -p "$out"
end=$(( $(date +%s) + minutes * 60 ))
RANDOM=${SOAK_SEED:-12345}
rounds=0 clean_runs=0 clean_fail=0 fault_runs=0 fault_caught=0 fault_missed=0 msis=0
pick() { local a=("$@"); echo "${a[$((RANDOM % ${#a[@]}))]}"; }

gen_random() { # file seed
  local f=$1 harts geilen nvm
  harts=$(( 2 + RANDOM % 7 )); geilen=$(pick 1 2 3 7 15); nvm=$(( 1 + RANDOM % 3 ))
  {
    echo "aiasim: 1"; echo "name: soak"; echo "seed: $2"
    echo "duration: $(pick 2ms 5ms 10ms)"; echo "drain: 40ms"
    echo "policy: [kick, nokick, wake_first]"
    echo "platform: { harts: $harts, geilen: $geilen, ids: $(pick 63 127 255) }"
    echo "timing:"
    echo "  msi_write: $(pick 10 50 200)"
    echo "  vm_exit: $(pick 1000 2000 4000)"
    echo "  jitter: { ipi_deliver: { uniform: $(pick 0 500 2000) }, vm_entry: { exponential: $(pick 1 100 500) } }"
    echo "host:"
    echo "  slice: $(pick 500us 1ms 3ms)"
    echo "  balance_interval: $(pick 0 1ms 4ms)"
    if [ $((RANDOM % 2)) = 0 ]; then
      echo "  noise:"
      echo "    - { busy: $(pick 50us 200us 1ms), idle: $(pick 100us 500us 2ms) }"
    fi
    echo "vms:"
    for v in $(seq 0 $((nvm - 1))); do
      echo "  - name: vm$v"
      echo "    vcpus: $(( 1 + RANDOM % 4 ))"
      echo "    aia_mode: $(pick auto auto auto emul)"
      echo "    guest: { behaviour: $(pick busy idle duty), duty: { busy: 30us, idle: 120us } }"
    done
    echo "devices:"
    for v in $(seq 0 $((nvm - 1))); do
      echo "  - { name: d$v, vm: vm$v, vcpus: all, iids: [$((1 + RANDOM % 60)), $((1 + RANDOM % 60))], pattern: $(pick poisson periodic burst), rate: $(pick 2000 20000 100000)/s }"
    done
  } > "$f"
}

gen_fault() { # file seed fault
  local f=$1 fault=$3 mode=auto beh=idle harts=3 vcpus=2 rate=20000/s dur=20ms extra=
  case $fault in
    arm_after_sleep) harts=2; vcpus=4; rate=2000000/s; dur=100ms ;;
    migrate_drops_pending) harts=2; vcpus=4; extra=noise; dur=100ms ;;  # noise + balancing move vCPUs with MSIs pending
    swfile_no_lock) ;; # needs a placed interleaving: see examples/scenarios/fault-swfile-no-lock.yaml
  esac
  {
    echo "aiasim: 1"; echo "name: soak-$fault"; echo "seed: $2"
    echo "duration: $dur"; echo "drain: 10ms"; echo "policy: [nokick]"; echo "faults: [$fault]"
    echo "platform: { harts: $harts }"
    if [ "$extra" = noise ]; then
      echo "host: { balance_interval: 1ms, noise: [ { busy: 200us, idle: 300us } ] }"
    fi
    echo "vms:"; echo "  - { name: vm0, vcpus: $vcpus, aia_mode: $mode, guest: { behaviour: $beh } }"
    echo "devices:"; echo "  - { name: nic, vm: vm0, vcpus: all, iids: [32], pattern: poisson, rate: $rate }"
    echo "expect: { lost_wakeups: { min: 0 }, lost_interrupts: { min: 1 } }"
  } > "$f"
}

faults=(no_wakeon_hgei hgei_handler_no_kick arm_after_sleep migrate_drops_pending)
while [ "$(date +%s)" -lt "$end" ]; do
  rounds=$((rounds + 1))
  seed=$((RANDOM * 32768 + RANDOM))
  f="$out/round.yaml"
  gen_random "$f" "$seed"
  if "$aiasim" run "$f" --quiet --json "$out/round.json" 2>"$out/round.err"; then
    clean_runs=$((clean_runs + 3))
  else
    rc=$?
    clean_fail=$((clean_fail + 1))
    cp "$f" "$out/failed-$rounds.yaml"; cp "$out/round.err" "$out/failed-$rounds.err"
    echo "round $rounds: era C run failed (exit $rc), kept as failed-$rounds.yaml"
  fi
  m=$(grep -o '"msis": [0-9]*' "$out/round.json" 2>/dev/null | awk '{s += $2} END {print s + 0}')
  msis=$((msis + m))
  fault=${faults[$((rounds % ${#faults[@]}))]}
  gen_fault "$f" "$seed" "$fault"
  fault_runs=$((fault_runs + 1))
  if "$aiasim" run "$f" --quiet 2>/dev/null; then
    fault_caught=$((fault_caught + 1))
  else
    fault_missed=$((fault_missed + 1))
    cp "$f" "$out/missed-$rounds.yaml"
    echo "round $rounds: fault $fault not caught, kept as missed-$rounds.yaml"
  fi
  # The SW-file race needs its placed interleaving: replay the bundled one.
  if [ $((rounds % 10)) = 0 ]; then
    fault_runs=$((fault_runs + 1))
    if "$aiasim" run "$(dirname "$0")/../examples/scenarios/fault-swfile-no-lock.yaml" --quiet 2>/dev/null; then
      fault_caught=$((fault_caught + 1))
    else
      fault_missed=$((fault_missed + 1))
    fi
  fi
done
echo "soak: $minutes min, $rounds rounds, $msis MSIs"
echo "soak: era C runs: $clean_runs, failed scenarios: $clean_fail"
echo "soak: fault runs: $fault_runs, caught: $fault_caught, missed: $fault_missed"
[ $clean_fail = 0 ] && [ $fault_missed = 0 ]
