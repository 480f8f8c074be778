#!/bin/bash
# Copyright 2026 The provi Authors.
#
# The AIR estimator study at reduced scale: trains //examples:air once per
# estimator and seed on 10,240 canvases (batch 64, Adam lr 1e-3, the genjax
# variant with the robust z_where parameterisation and decoder bias -2),
# evaluating count accuracy on 1,024 training canvases every 200 steps, and
# merges the runs' CSVs into one.
#
#   scripts/air_study.sh OUT_DIR [ESTIMATOR ...]
#   scripts/air_study.sh --merge OUT_DIR
#
# Estimators default to all nine, in this order: reinforce, mvd, hybrid,
# iwae2-mvd, enum, reinforce-baseline, iwae2-reinforce, rws10,
# hybrid-iwae2. Environment: STEPS (3000), SEEDS ("1"), NICE (10), and
# AIR_FLAGS for further //examples:air flags (shared by every run).
#
# Each run writes OUT_DIR/<estimator>_seed<seed>/{air_training.csv,log.txt}
# (the CSV is rewritten at every evaluation, so a stopped run keeps its
# curve so far); log.txt ends with the run's ms/step and the load average
# (`uptime`) at its end. OUT_DIR/air_study.csv is every run's rows under one
# header (see examples/air_training.h for the columns), written after each
# run and by --merge. Plot it with scripts/plot_air_study.py.
set -euo pipefail

merge() {
  local out="$1"
  local first=1
  : >"${out}/air_study.csv.tmp"
  for csv in "${out}"/*_seed*/air_training.csv; do
    [[ -f "${csv}" ]] || continue
    if ((first)); then
      cat "${csv}" >>"${out}/air_study.csv.tmp"
      first=0
    else
      tail -n +2 "${csv}" >>"${out}/air_study.csv.tmp"
    fi
  done
  mv "${out}/air_study.csv.tmp" "${out}/air_study.csv"
}

if [[ "${1:-}" == "--merge" ]]; then
  merge "$2"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  sed -n '3,26p' "$0"
  exit 1
fi

out="$1"
shift
estimators=("$@")
if [[ ${#estimators[@]} -eq 0 ]]; then
  estimators=(reinforce mvd hybrid iwae2-mvd enum reinforce-baseline
    iwae2-reinforce rws10 hybrid-iwae2)
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
(cd "${root}" && ./bazelw build //examples:air)
mkdir -p "${out}"
# A private copy, so that rebuilding the tree does not change later runs.
binary="$(mktemp "${out}/air.XXXXXX")"
cp -f "${root}/bazel-bin/examples/air" "${binary}"
chmod 755 "${binary}"
for seed in ${SEEDS:-1}; do
  for estimator in "${estimators[@]}"; do
    run="${out}/${estimator}_seed${seed}"
    mkdir -p "${run}"
    # shellcheck disable=SC2086
    nice -n "${NICE:-10}" "${binary}" --estimator="${estimator}" \
      --seed="${seed}" --steps="${STEPS:-3000}" --train_images=10240 \
      --eval_images=1024 --eval_every=200 --log_every=100 --batch=64 \
      --learning_rate=1e-3 --output_dir="${run}" ${AIR_FLAGS:-} \
      >"${run}/log.txt" 2>&1 || echo "${estimator} seed ${seed} failed" >&2
    echo "load average at the end: $(uptime)" >>"${run}/log.txt"
    merge "${out}"
  done
done
rm -f "${binary}"
