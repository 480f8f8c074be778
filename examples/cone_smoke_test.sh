#!/bin/bash
# Runs //examples:cone briefly and checks that every objective reports a
# finite value in the table, and that bad flags are rejected.
set -euo pipefail
cone="$1"
out="$("$cone" --steps=50 --estimates_per_step=4 --final_estimates=200)"
echo "$out"
rows="$(echo "$out" | grep -cE '^\| (elbo|iwelbo|hvi|iwhvi|diwhvi) \| .* \| -?[0-9]+\.[0-9]+ ± [0-9]+\.[0-9]+ \|')"
if [[ "$rows" != 5 ]]; then
  echo "expected 5 table rows with finite values, got $rows" >&2
  exit 1
fi
if "$cone" --objectives=nonsense >/dev/null 2>&1; then
  echo "an unknown objective was accepted" >&2
  exit 1
fi
if "$cone" --steps=-1 >/dev/null 2>&1; then
  echo "a negative step count was accepted" >&2
  exit 1
fi
echo "PASS"
