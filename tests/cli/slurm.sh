#!/usr/bin/env bash
# Scale-out as docs/scale-out.md shows it, for real: a one-node Slurm
# cluster started here (munged, slurmctld, slurmd from Debian's packages,
# a generated slurm.conf with this host as the only node, run as root
# without systemd, stopped by PID at the end) runs the documented job array
# over the shards of a sweep; the parts merged are byte-identical to one
# unsharded run. The same with GNU parallel. Exit 77 (skipped, with the
# reason) when not root or when a package is missing.
# usage: slurm.sh AIASIM SCENARIO OUTDIR
set -u
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
aiasim=$(abs "$1") scn=$(abs "$2")
out=$3
N=4
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm.sh: skipped: starting munged, slurmctld and slurmd needs root"; exit 77
fi
for c in munged slurmctld slurmd sbatch sinfo squeue parallel; do
  command -v "$c" > /dev/null || {
    echo "slurm.sh: skipped: $c is missing (apt-get install slurmctld slurmd munge slurm-client parallel)"
    exit 77; }
done
rm -rf "$out" && mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
c=$out/cluster
mkdir -p "$c/state" "$c/spool" "$c/munge" "$out/work" && chmod 711 "$c/munge" || exit 1
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null; done
  wait 2> /dev/null
}
trap cleanup EXIT
fail() { echo "slurm.sh: FAIL: $*"; for f in "$c"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

# The single run everything is compared with.
"$aiasim" run "$scn" --quiet --json "$out/all.json"
[ $? -le 1 ] || fail "the unsharded run failed"

# GNU parallel, as documented (on this machine only: no --sshloginfile).
seq 0 $((N - 1)) | parallel --will-cite -j 2 \
  "'$aiasim' run '$scn' --shard {}/$N --quiet --json '$out/work/p-{}.json'"
"$aiasim" merge "$out/parallel.json" "$out"/work/p-*.json || fail "merge of the parallel parts"
cmp "$out/all.json" "$out/parallel.json" || fail "GNU parallel: the merged report differs"
echo "slurm.sh: GNU parallel: $N shards merged, identical"

# munge, with its own key and socket.
dd if=/dev/urandom of="$c/munge/munge.key" bs=1024 count=1 status=none && chmod 400 "$c/munge/munge.key"
munged --foreground --force --key-file="$c/munge/munge.key" --socket="$c/munge/sock" \
  --pid-file="$c/munge/munged.pid" --log-file="$c/munged.log" --seed-file="$c/munge/seed" \
  > "$c/munged.out" 2>&1 &
pids+=($!)
for i in $(seq 1 40); do [ -S "$c/munge/sock" ] && break; sleep 0.25; done
[ -S "$c/munge/sock" ] || fail "munged did not start"
host=$(hostname -s)
cat > "$c/slurm.conf" << CONF
ClusterName=aiasimtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge/sock
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/slurmctld.log
SlurmdLogFile=$c/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=2
KillWait=5
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=aiasim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$c/slurm.conf
slurmctld -D > "$c/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D > "$c/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 1 60); do
  state=$(sinfo -h -o %t 2> /dev/null | head -n 1)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after 30 s (state '$state')"
echo "slurm.sh: one-node cluster up ($host, $(nproc) CPUs) in $((i / 2)) s"

# The job array of docs/scale-out.md, N tasks, one shard each.
cat > "$out/work/sweep.sbatch" << JOB
#!/bin/bash
#SBATCH --job-name=aiasim-sweep
#SBATCH --array=0-$((N - 1))
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=$out/work/task-%a.out
N=$N
'$aiasim' run '$scn' --shard \${SLURM_ARRAY_TASK_ID}/\$N --jobs \$SLURM_CPUS_PER_TASK \\
  --quiet --json '$out/work/part-'\${SLURM_ARRAY_TASK_ID}.json
JOB
timeout 300 sbatch --wait --chdir="$out/work" "$out/work/sweep.sbatch" > "$out/sbatch.txt" 2>&1 ||
  fail "the job array failed: $(cat "$out/sbatch.txt"; cat "$out"/work/task-*.out 2> /dev/null)"
n=$(ls "$out"/work/part-*.json 2> /dev/null | wc -l)
[ "$n" -eq $N ] || fail "$n of $N parts written"
"$aiasim" merge "$out/slurm.json" "$out"/work/part-*.json || fail "merge of the Slurm parts"
cmp "$out/all.json" "$out/slurm.json" || fail "Slurm: the merged report differs"
# A part missing is refused.
if "$aiasim" merge "$out/short.json" "$out/work/part-0.json" "$out/work/part-1.json" 2> /dev/null; then
  fail "merge accepted a missing shard"
fi
echo "slurm.sh: Slurm job array $(head -c 40 "$out/sbatch.txt" | tr -d '\n'): $N shards merged, identical"
