#!/usr/bin/env bash
# Builds and runs, in a fresh Bazel workspace outside provi, the program a
# user of provi writes: tests/downstream/my_model.cc with the WORKSPACE,
# BUILD, .bazelrc and command lines of README.md's "Depending on provi".
# Each comes from the code block that follows a line
# `<!-- downstream: NAME -->` in README.md (NAME = WORKSPACE, BUILD,
# .bazelrc, commands), so the README says exactly what builds. Exits
# non-zero if a block is missing, the build fails, or the program does not
# recover its posterior in the requested precision.
#
#   bash tests/downstream/check.sh [path/to/provi] [float|double|mpi]...
#
# With no precision it checks both. `mpi` builds my_mpi_model.cc with the
# README's BUILD file (in float) and runs it with the README's mpirun
# command (block `<!-- downstream: mpi -->`), which needs Open MPI. Each precision is a full build of
# provi's libraries (not its tests) in the workspace's own output root.
# With PROVI_DOWNSTREAM_ANALYZE_ONLY=1 it builds nothing: it analyses the
# README's command line (bazel aquery with its flags) and checks that the
# program's compile action defines PROVI_REAL_DOUBLE exactly when the
# precision is double, that is, that the README's flag reaches provi's
# build setting from the depending workspace.
set -euo pipefail

provi="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
shift $(($# > 0 ? 1 : 0))
precisions=()
mpi=0
for arg in "$@"; do
  if [[ "${arg}" == mpi ]]; then mpi=1; else precisions+=("${arg}"); fi
done
((${#precisions[@]} > 0 || mpi)) || precisions=(float double)

# Prints the code block that follows the marker line for $1 in README.md
# (blank lines may separate them); fails if there is none or it is empty.
readme_block() {
  awk -v marker="<!-- downstream: $1 -->" '
    $0 == marker { state = 1; next }
    state == 1 && /^[[:space:]]*$/ { next }
    state == 1 && /^```/ { state = 2; next }
    state == 1 { exit }
    state == 2 && /^```/ { done = 1; exit }
    state == 2 { print; lines++ }
    END { exit !(done && lines > 0) }
  ' "${provi}/README.md" || {
    echo "check.sh: README.md has no code block after <!-- downstream: $1 -->" >&2
    return 1
  }
}

workspace_file="$(readme_block WORKSPACE)"
build_file="$(readme_block BUILD)"
bazelrc="$(readme_block .bazelrc)"
commands="$(readme_block commands)"
placeholder=/path/to/provi
[[ "${workspace_file}" == *"${placeholder}"* ]] || {
  echo "check.sh: the README's WORKSPACE block does not contain ${placeholder}" >&2
  exit 1
}

work="$(mktemp -d -t provi-downstream.XXXXXX)"
trap 'cd /; bazel --output_user_root="${work}/root" shutdown >/dev/null 2>&1 || true; rm -rf "${work}"' EXIT

mkdir -p "${work}/app"
printf '%s\n' "${workspace_file//"${placeholder}"/"${provi}"}" >"${work}/app/WORKSPACE"
printf '%s\n' "${build_file}" >"${work}/app/BUILD.bazel"
printf '%s\n' "${bazelrc}" >"${work}/app/.bazelrc"
for file in my_model.cc my_mpi_model.cc conjugate_model.h; do
  cp "${provi}/tests/downstream/${file}" "${work}/app/${file}"
done
cd "${work}/app"

for real in "${precisions[@]+"${precisions[@]}"}"; do
  # The README's command line for this precision: the one whose comment
  # says "provi::Real is <real>".
  line="$(grep -E "# provi::Real is ${real}\$" <<<"${commands}" || true)"
  [[ -n "${line}" ]] || {
    echo "check.sh: no README command line for provi::Real is ${real}" >&2
    exit 1
  }
  read -ra words <<<"${line%%#*}"
  [[ "${words[0]}" == bazel ]] || {
    echo "check.sh: the README command does not start with bazel: ${line}" >&2
    exit 1
  }
  echo "downstream (${real}): ${line%%#*}"
  # Startup options only: a private output root, and no ~/.bazelrc, so that
  # the build is the README's and nothing else's.
  start=${SECONDS}
  if [[ "${PROVI_DOWNSTREAM_ANALYZE_ONLY:-0}" == 1 ]]; then
    [[ "${words[1]}" == run || "${words[1]}" == build ]] || {
      echo "check.sh: expected bazel run or build in: ${line}" >&2
      exit 1
    }
    args=("${words[@]:2}")
    target="${args[-1]}"
    unset 'args[-1]'
    if ! bazel --output_user_root="${work}/root" --nohome_rc aquery "${args[@]}" \
        "mnemonic(\"CppCompile\", ${target})" >"${work}/${real}.out" \
        2>"${work}/${real}.log"; then
      tail -n 40 "${work}/${real}.log" >&2
      exit 1
    fi
    grep -q -- '-DPROVI_REAL_DOUBLE' "${work}/${real}.out" && defined=double || defined=float
    grep -q 'my_model.cc' "${work}/${real}.out" || {
      echo "check.sh: no compile action for my_model.cc in the analysis of ${target}" >&2
      exit 1
    }
    if [[ "${defined}" != "${real}" ]]; then
      echo "check.sh: with '${line%%#*}' provi::Real would be ${defined}, not ${real}" >&2
      exit 1
    fi
    echo "downstream (${real}): analysed in $((SECONDS - start)) s; provi::Real is ${real}"
    continue
  fi
  if ! bazel --output_user_root="${work}/root" --nohome_rc "${words[@]:1}" \
      >"${work}/${real}.out" 2>"${work}/${real}.log"; then
    tail -n 40 "${work}/${real}.log" >&2
    cat "${work}/${real}.out"
    exit 1
  fi
  cat "${work}/${real}.out"
  grep -qx "provi (Real = ${real}): posterior recovered" "${work}/${real}.out" || {
    echo "check.sh: the program did not report a posterior recovered with Real = ${real}" >&2
    exit 1
  }
  echo "downstream (${real}): built and ran in $((SECONDS - start)) s"
done

if ((mpi)); then
  # The README's two lines: the bazel build, then mpirun.
  mpi_commands="$(readme_block mpi)"
  build_line="$(head -n 1 <<<"${mpi_commands}")"
  run_line="$(sed -n 2p <<<"${mpi_commands}")"
  read -ra build_words <<<"${build_line%%#*}"
  read -ra run_words <<<"${run_line%%#*}"
  [[ "${build_words[0]}" == bazel && "${run_words[0]}" == mpirun ]] || {
    echo "check.sh: the README's mpi block is not 'bazel ...' then 'mpirun ...'" >&2
    exit 1
  }
  echo "downstream (mpi): ${build_line%%#*}; ${run_line%%#*}"
  start=${SECONDS}
  if ! bazel --output_user_root="${work}/root" --nohome_rc "${build_words[@]:1}" \
      >"${work}/mpi_build.log" 2>&1; then
    tail -n 40 "${work}/mpi_build.log" >&2
    exit 1
  fi
  # Root may run mpirun here (CI's machines), and more ranks than cores.
  if ! OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      OMPI_MCA_rmaps_base_oversubscribe=1 timeout 600 "${run_words[@]}" \
      >"${work}/mpi.out" 2>&1; then
    cat "${work}/mpi.out"
    echo "check.sh: '${run_line}' failed" >&2
    exit 1
  fi
  cat "${work}/mpi.out"
  grep -qE "^provi \(Real = float\) over [0-9]+ MPI ranks: posterior recovered$" \
      "${work}/mpi.out" || {
    echo "check.sh: the MPI program did not report a posterior recovered" >&2
    exit 1
  }
  echo "downstream (mpi): built and ran in $((SECONDS - start)) s"
fi
