#!/usr/bin/env bash
# End-to-end check of scripts/slurm-array.sh on a real one-node Slurm cluster on localhost
# (munged + slurmctld + slurmd, configured in a temporary folder; nothing under /etc is
# used or changed): the quickstart's folds run as a job array, a dependent job merges them,
# and the merged results.json and predictions.csv must equal a direct `serlab run` byte for
# byte. Needs Debian's slurmctld, slurmd, slurm-client and munge; SKIPs (exit 0) without
# them. Runs as any user that may start the daemons (root in CI containers).
#
#   tests/slurm/run.sh            # builds serlab with cargo if needed
#   SERLAB=/path/to/serlab tests/slurm/run.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"

missing=""
for tool in munged mungekey slurmctld slurmd sbatch squeue sinfo scontrol; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "SKIPPED tests/slurm/run.sh: not installed:$missing (apt-get install slurmctld slurmd slurm-client munge)"
  exit 0
fi
export PATH="$PATH:/usr/sbin"

if [ -z "${SERLAB:-}" ]; then
  (cd "$repo" && cargo build --quiet -p serlab -p serlab-features -p serlab-random-forest -p serlab-fusion)
  SERLAB="${CARGO_TARGET_DIR:-$repo/target}/debug/serlab"
fi
[ -x "$SERLAB" ] || { echo "FAIL: no serlab binary at $SERLAB"; exit 1; }

t="$(mktemp -d /tmp/serlab-slurm.XXXXXX)"
chmod 700 "$t"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${keep:-0}" = 1 ]; then echo "kept $t"; else rm -rf "$t"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; keep=1; for f in "$t"/*.log "$t"/*.out "$t"/work/array/slurm/*.out; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }

# munge: its own key, socket and files.
mkdir -p "$t/munge" && chmod 700 "$t/munge"
mungekey --create --keyfile="$t/munge/munge.key" >/dev/null 2>&1 || dd if=/dev/urandom of="$t/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$t/munge/munge.key"
munged --foreground --force --socket="$t/munge/socket" --key-file="$t/munge/munge.key" \
  --pid-file="$t/munge/pid" --seed-file="$t/munge/seed" >"$t/munge.log" 2>&1 &
pids+=($!)

# Slurm: free ports, this host as the only node with its real CPU count.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
node="$(hostname -s)"
cpus="$(nproc)"
user="$(id -un)"
mkdir -p "$t/state" "$t/spool" "$t/work"
cat > "$t/slurm.conf" <<CONF
ClusterName=serlabtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$t/munge/socket
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$t/slurm.conf"
sleep 0.5
slurmctld -D -f "$SLURM_CONF" >"$t/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$t/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  state="$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)"
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || fail "the local Slurm node did not come up (state '${state:-none}')"
echo "slurm: one-node cluster up ($node, $cpus CPUs, $(sinfo --version))"

cd "$t/work"   # the quickstart writes its generated corpus under ./runs
exp="$repo/experiments/quickstart.toml"
start=$(date +%s)
"$SERLAB" run "$exp" --output "$t/work/direct" --quiet >/dev/null || fail "direct run"
out="$("$repo/scripts/slurm-array.sh" --serlab "$SERLAB" --output "$t/work/array" "$exp")" || fail "submission"
echo "$out"
merge_job="$(echo "$out" | sed -n 's/^merge: *job \([0-9]*\).*/\1/p')"
[ -n "$merge_job" ] || fail "no merge job id"
for _ in $(seq 1 600); do
  [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued after 10 minutes: $(squeue)"
[ -f "$t/work/array/results.json" ] || fail "the merge job wrote no results.json"
for k in $(seq 0 5); do
  [ -f "$t/work/array/folds/fold-$k.json" ] || fail "fold $k has no part"
  [ -f "$t/work/array/slurm/fold-$k.out" ] || fail "array task $k left no log"
done
cmp "$t/work/direct/results.json" "$t/work/array/results.json" || fail "results.json differs from the direct run"
cmp "$t/work/direct/predictions.csv" "$t/work/array/predictions.csv" || fail "predictions.csv differs from the direct run"
grep -q "6 folds, status finished" "$t/work/array/slurm/merge.out" || fail "merge log"
echo "PASS tests/slurm/run.sh: 6 fold tasks + merge job on Slurm == direct run (results.json, predictions.csv identical; $(( $(date +%s) - start )) s)"
