#!/usr/bin/env bash
# Failure behaviour over MPI ranks:
#   1. a rank whose step fails with a Status ends the job with that status
#      (rank and site named) and a non-zero exit;
#   2. a rank killed mid-run (SIGKILL) ends the job within seconds, with a
#      non-zero exit;
#   3. resuming from the last checkpoint reaches the parameters of an
#      uninterrupted run: the same bits on the same number of ranks, and
#      the same values up to rounding on another number.
set -uo pipefail
source "$(dirname "$0")/mpi_launch.sh"
trainer="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}/mpi_failure"
rm -rf "${work}"
mkdir -p "${work}"

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

echo "== 1. a Status on rank 1 at step 4"
if launch 2 "${trainer}" --steps=20 --fail_rank=1 --fail_step=4 \
    >"${work}/status.out" 2>&1; then
  fail "the job succeeded"
fi
cat "${work}/status.out"
grep -q "step 4: rank 1: .*'x'" "${work}/status.out" ||
  fail "the status does not name rank 1 and site 'x'"

echo "== uninterrupted run, 2 ranks"
launch 2 "${trainer}" --steps=60 --checkpoint_dir="${work}/a" \
  --output="${work}/a.params" || fail "the uninterrupted run failed"

echo "== 2. rank 1 killed before step 35"
start=$(date +%s%N)
if launch 2 "${trainer}" --steps=60 --checkpoint_dir="${work}/b" \
    --kill_rank=1 --kill_step=35 >"${work}/kill.out" 2>&1; then
  fail "the job with a killed rank succeeded"
fi
end=$(date +%s%N)
cat "${work}/kill.out"
milliseconds=$(((end - start) / 1000000))
echo "the job ended ${milliseconds} ms after it started"
# The whole job (start, 35 steps, the kill) must end within seconds.
((milliseconds < 15000)) || fail "the job took ${milliseconds} ms to end"
[[ "$(readlink "${work}/b/latest")" == step-30 ]] ||
  fail "latest is $(readlink "${work}/b/latest"), not step-30"
cp -r "${work}/b" "${work}/c"

echo "== 3. resumed on 2 ranks: the same bits"
launch 2 "${trainer}" --steps=60 --checkpoint_dir="${work}/b" --resume \
  --output="${work}/b.params" || fail "the resumed run failed"
cmp "${work}/a.params" "${work}/b.params" ||
  fail "resumed parameters differ from the uninterrupted run's"

echo "== 3. resumed on 3 ranks: the same values up to rounding"
launch 3 "${trainer}" --steps=60 --checkpoint_dir="${work}/c" --resume \
  --compare_with="${work}/a.params" --tolerance=2e-3 ||
  fail "resumed on 3 ranks, the parameters differ"
echo "PASSED"
