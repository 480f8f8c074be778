#!/usr/bin/env bash
# The MPI equivalence tests on 1, 2 and 4 ranks (shared memory), and on 2
# ranks over TCP on the loopback interface (the transport between
# machines).
set -euo pipefail
source "$(dirname "$0")/mpi_launch.sh"
test_binary="$1"

for ranks in 1 2 4; do
  echo "== ${ranks} rank(s)"
  launch "${ranks}" "${test_binary}"
done
echo "== 2 ranks over TCP on loopback"
launch 2 --mca btl self,tcp --mca btl_tcp_if_include lo "${test_binary}"
