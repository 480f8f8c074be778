#!/usr/bin/env bash
# Shared by the MPI test scripts: `launch N args...` runs `mpirun -np N`
# on this machine (oversubscribed: more ranks than cores is fine for
# tests), as root if need be, with a time limit so that nothing can hang.

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's session directory and shared-memory files.
export TMPDIR="${TEST_TMPDIR:-${TMPDIR:-/tmp}}"

launch() {
  local ranks="$1"
  shift
  timeout --kill-after=10 120 mpirun --oversubscribe --bind-to none \
    -np "${ranks}" "$@"
}
