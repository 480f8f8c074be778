#!/usr/bin/env bash
# Builds and runs a separate Bazel workspace that depends on provi the way a
# user's project would: `local_repository` + `provi_dependencies()` +
# `@provi//:provi`. Exits non-zero if that fails.
#
#   bash tests/downstream/check.sh [path/to/provi]
set -euo pipefail

provi="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
work="$(mktemp -d -t provi-downstream.XXXXXX)"
trap 'cd /; bazel --output_user_root="${work}/root" shutdown >/dev/null 2>&1 || true; rm -rf "${work}"' EXIT

mkdir -p "${work}/app"
cat >"${work}/app/WORKSPACE" <<WORKSPACE
workspace(name = "app")

local_repository(
    name = "provi",
    path = "${provi}",
)

load("@provi//third_party:repositories.bzl", "provi_dependencies")

provi_dependencies()
WORKSPACE

cat >"${work}/app/.bazelrc" <<'BAZELRC'
build --nosandbox_debug
build --cxxopt=-std=c++17
BAZELRC

cat >"${work}/app/BUILD.bazel" <<'BUILD'
cc_binary(
    name = "app",
    srcs = ["app.cc"],
    deps = ["@provi//:provi"],
)
BUILD

cp "${provi}/tests/downstream/app.cc" "${work}/app/app.cc"

cd "${work}/app"
bazel --output_user_root="${work}/root" run //:app 2>"${work}/bazel.log" ||
  { tail -n 40 "${work}/bazel.log" >&2; exit 1; }
