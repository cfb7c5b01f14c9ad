#!/usr/bin/env bash
# Run the folds of a serlab experiment as a Slurm job array, then pool them with a merge job
# that starts once every fold task has succeeded. See docs/slurm.md.
#
#   scripts/slurm-array.sh [--output RUN-DIR] [--serlab PATH] EXPERIMENT.toml [SBATCH-OPTION...]
#
# Options after the experiment go to sbatch, for the fold tasks and the merge job alike
# (e.g. --partition=cpu --cpus-per-task=8 --time=2:00:00 --requeue). Prints the run folder
# and the two job ids.
set -euo pipefail

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

run_dir=""
serlab="${SERLAB:-serlab}"
while [ $# -gt 0 ]; do
  case "$1" in
    --output) run_dir="$2"; shift 2 ;;
    --output=*) run_dir="${1#--output=}"; shift ;;
    --serlab) serlab="$2"; shift 2 ;;
    --serlab=*) serlab="${1#--serlab=}"; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "slurm-array.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
experiment="$1"
shift
[ -f "$experiment" ] || { echo "slurm-array.sh: no experiment file $experiment" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "slurm-array.sh: sbatch not found (is this a Slurm login node?)" >&2; exit 2; }
serlab="$(command -v "$serlab" || true)"
[ -n "$serlab" ] || { echo "slurm-array.sh: serlab not found; pass --serlab PATH or set SERLAB" >&2; exit 2; }

abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
experiment="$(abs "$experiment")"
if [ -z "$run_dir" ]; then
  run_dir="runs/$(basename "$experiment" .toml)/slurm-$(date -u +%Y%m%d-%H%M%S)"
fi
run_dir="$(abs "$run_dir")"

# One task per fold; the count comes from the corpus listing (nothing is extracted).
folds="$("$serlab" folds --count "$experiment")"
[ "$folds" -ge 1 ] || { echo "slurm-array.sh: $experiment has no fold" >&2; exit 1; }
mkdir -p "$run_dir/slurm"   # Slurm does not create the folders of its log files

q() { printf '%q ' "$@"; }
# A fold task keeps whatever its fold already finished, so requeued tasks continue.
array_job="$(sbatch --parsable --job-name=serlab-folds --array="0-$((folds - 1))" \
  --output="$run_dir/slurm/fold-%a.out" "$@" \
  --wrap="$(q "$serlab" run "$experiment" --output "$run_dir" --quiet) --fold \$SLURM_ARRAY_TASK_ID")"
array_job="${array_job%%;*}"
merge_job="$(sbatch --parsable --job-name=serlab-merge --dependency="afterok:$array_job" \
  --kill-on-invalid-dep=yes --output="$run_dir/slurm/merge.out" "$@" \
  --wrap="$(q "$serlab" merge "$run_dir")")"
merge_job="${merge_job%%;*}"

echo "run folder: $run_dir"
echo "fold array: job $array_job ($folds tasks), logs in $run_dir/slurm/fold-<k>.out"
echo "merge:      job $merge_job (after every fold succeeded), log in $run_dir/slurm/merge.out"
