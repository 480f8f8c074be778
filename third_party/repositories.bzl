"""Repository rules that expose Debian's system C++ libraries to Bazel.

provi builds fully offline against the packages Debian 12 ships (see
`./bazelw` for the list). Each library becomes an external repository whose
`include/` directory links to the system headers and whose link flags come
from `pkg-config`, so nothing here hard-codes a machine path beyond the
Debian standard `/usr/include`.

A workspace that depends on provi calls `provi_dependencies()` from its own
WORKSPACE after declaring `@provi`:

    local_repository(name = "provi", path = "/path/to/provi")
    load("@provi//third_party:repositories.bzl", "provi_dependencies")
    provi_dependencies()

Repositories the caller already declared are left alone, so a workspace can
substitute its own copy of, say, Abseil under the same name.
"""

def _pkg_config_linkopts(rctx, modules):
    if not modules:
        return []
    pkg_config = rctx.which("pkg-config")
    if pkg_config == None:
        fail("pkg-config not found: install it (apt-get install pkg-config) " +
             "or run Bazel through ./bazelw, which installs it")
    result = rctx.execute([pkg_config, "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config --libs %s failed: %s" % (" ".join(modules), result.stderr))
    return result.stdout.strip().split(" ")

def _system_library_impl(rctx):
    for include_dir in rctx.attr.include_dirs:
        path = rctx.path(include_dir)
        if not path.exists:
            fail("%s: %s does not exist; is the Debian package installed? " %
                 (rctx.name, include_dir) + "Run Bazel through ./bazelw.")
        rctx.symlink(path, "include/" + path.basename)
    for link_name, target in rctx.attr.include_links.items():
        path = rctx.path(target)
        if not path.exists:
            fail("%s: %s does not exist; is the Debian package installed? " %
                 (rctx.name, target) + "Run Bazel through ./bazelw.")
        rctx.symlink(path, "include/" + link_name)
    linkopts = _pkg_config_linkopts(rctx, rctx.attr.pkg_config_modules)
    rctx.file("linkopts.bzl", "LINKOPTS = %r\n" % linkopts)
    rctx.symlink(rctx.attr.build_file, "BUILD.bazel")
    rctx.file("WORKSPACE", "workspace(name = %r)\n" % rctx.name)

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "build_file": attr.label(mandatory = True, allow_single_file = True),
        "include_dirs": attr.string_list(
            doc = "System header directories, linked as include/<basename>.",
        ),
        "include_links": attr.string_dict(
            doc = "include/<key> links to the system directory <value>.",
        ),
        "pkg_config_modules": attr.string_list(
            doc = "pkg-config modules whose --libs become LINKOPTS.",
        ),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)

def _vendored_repository_impl(rctx):
    directory = rctx.path(rctx.attr.marker).dirname.get_child(rctx.attr.subdir)
    for child in directory.readdir():
        rctx.symlink(child, child.basename)

# A repository made of a directory inside provi itself: `subdir` of the
# directory holding the file `marker`. Used for the small repositories Bazel 4
# needs to work offline, so that a depending workspace gets them without
# knowing our path.
vendored_repository = repository_rule(
    implementation = _vendored_repository_impl,
    attrs = {
        "marker": attr.label(mandatory = True, allow_single_file = True),
        "subdir": attr.string(mandatory = True),
    },
    local = True,
)

def _openmpi_repository_impl(rctx):
    rctx.file("WORKSPACE", "workspace(name = %r)\n" % rctx.name)
    pkg_config = rctx.which("pkg-config")
    result = None
    if pkg_config != None:
        result = rctx.execute([pkg_config, "--cflags-only-I", "--libs", rctx.attr.module])
    if result == None or result.return_code != 0:
        # No Open MPI: the repository still loads, so that builds not using
        # MPI succeed; building a target that uses it fails with this message.
        reason = "pkg-config not found" if result == None else result.stderr.strip()
        rctx.file("BUILD.bazel", _OPENMPI_MISSING_BUILD.format(
            name = rctx.name,
            reason = reason.replace("'", "").replace("\n", " "),
        ))
        return
    includes = []
    linkopts = []
    for flag in result.stdout.strip().split(" "):
        if flag.startswith("-I"):
            link = "include%d" % len(includes)
            rctx.symlink(flag[2:], link)
            includes.append(link)
        elif flag:
            linkopts.append(flag)
    rctx.file("BUILD.bazel", _OPENMPI_BUILD.format(
        name = rctx.name,
        includes = repr(includes),
        linkopts = repr(linkopts),
    ))

_OPENMPI_BUILD = """# Open MPI's C API, from pkg-config (see provi's third_party/repositories.bzl).

load("@rules_cc//cc:defs.bzl", "cc_library")

package(default_visibility = ["//visibility:public"])

cc_library(
    name = "{name}",
    hdrs = glob(["include*/**/*.h"]),
    includes = {includes},
    linkopts = {linkopts},
)
"""

_OPENMPI_MISSING_BUILD = """# Open MPI was not found when this repository was made: {reason}

load("@rules_cc//cc:defs.bzl", "cc_library")

package(default_visibility = ["//visibility:public"])

genrule(
    name = "missing",
    outs = ["missing.h"],
    cmd = "echo 'Open MPI is not installed ({reason}): run ./bazelw (it installs libopenmpi-dev and openmpi-bin) or apt-get install libopenmpi-dev openmpi-bin, then bazel sync --configure' >&2; exit 1",
)

cc_library(
    name = "{name}",
    hdrs = [":missing.h"],
)
"""

# Open MPI (Debian's libopenmpi-dev) through pkg-config's `ompi-c` module,
# as `@openmpi//:openmpi`. Unlike `system_library`, a machine without Open
# MPI still gets the repository: only building a target that depends on it
# fails, with a message saying what to install. provi's core never does
# (only `//distributed:mpi` and the targets built on it, all `manual`).
openmpi_repository = repository_rule(
    implementation = _openmpi_repository_impl,
    attrs = {
        "module": attr.string(default = "ompi-c"),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
    configure = True,
)

def _stan_math_repository_impl(rctx):
    rctx.file("WORKSPACE", "workspace(name = %r)\n" % rctx.name)
    missing = [
        path
        for path in [rctx.attr.include_dir + "/stan/math/rev/mat.hpp", rctx.attr.boost_marker]
        if not rctx.path(path).exists
    ]
    if missing:
        # No Stan Math: the repository still loads, so that builds not using
        # it succeed; building a target that uses it fails with this message.
        rctx.file("BUILD.bazel", _STAN_MATH_MISSING_BUILD.format(
            name = rctx.name,
            missing = ", ".join(missing),
        ))
        return
    rctx.symlink(rctx.attr.include_dir, "include")
    rctx.file("BUILD.bazel", _STAN_MATH_BUILD.format(name = rctx.name))

_STAN_MATH_BUILD = """# Stan Math's headers from Debian's r-cran-stanheaders, with Boost from
# libboost-dev and Eigen from libeigen3-dev (see provi's
# third_party/repositories.bzl).

load("@rules_cc//cc:defs.bzl", "cc_library")

package(default_visibility = ["//visibility:public"])

cc_library(
    name = "{name}",
    hdrs = glob(["include/**/*.hpp", "include/**/*.h"]),
    # Stan's Eigen plugin (.val(), .adj(), ...) must be seen by every
    # inclusion of Eigen, including ones before Stan's own headers.
    defines = [
        "_REENTRANT",
        "BOOST_DISABLE_ASSERTS",
        "EIGEN_MATRIXBASE_PLUGIN=<stan/math/prim/mat/eigen_plugins.h>",
    ],
    includes = ["include"],
    deps = ["@eigen"],
)
"""

_STAN_MATH_MISSING_BUILD = """# Stan Math was not found when this repository was made: {missing} missing.

load("@rules_cc//cc:defs.bzl", "cc_library")

package(default_visibility = ["//visibility:public"])

genrule(
    name = "missing",
    outs = ["missing.hpp"],
    cmd = "echo 'Stan Math is not installed ({missing} missing): run ./bazelw (it installs r-cran-stanheaders and libboost-dev) or apt-get install r-cran-stanheaders libboost-dev, then bazel sync --configure' >&2; exit 1",
)

cc_library(
    name = "{name}",
    hdrs = [":missing.hpp"],
)
"""

# Stan Math's reverse-mode headers (Debian's r-cran-stanheaders, Stan 2.21,
# with Boost's headers from libboost-dev), header only, as
# `@stan_math//:stan_math`: the peer of provi's benchmarks of small models
# (//benchmarks:vi_stan_benchmark). Like `openmpi_repository`, a machine
# without them still gets the repository and only building a target that
# uses it fails, saying what to install; provi itself never does (only
# `manual` targets depend on it).
stan_math_repository = repository_rule(
    implementation = _stan_math_repository_impl,
    attrs = {
        "include_dir": attr.string(
            default = "/usr/lib/R/site-library/StanHeaders/include",
        ),
        "boost_marker": attr.string(default = "/usr/include/boost/math/tools/promotion.hpp"),
    },
    local = True,
    configure = True,
)

_ABSL_MODULES = [
    "absl_base",
    "absl_flags",
    "absl_flags_parse",
    "absl_flags_usage",
    "absl_flat_hash_map",
    "absl_flat_hash_set",
    "absl_hash",
    "absl_random_random",
    "absl_random_bit_gen_ref",
    "absl_status",
    "absl_statusor",
    "absl_str_format",
    "absl_strings",
    "absl_synchronization",
    "absl_time",
]

def _maybe(rule, name, **kwargs):
    if name not in native.existing_rules():
        rule(name = name, **kwargs)

def provi_dependencies():
    """Declares every external repository provi needs, unless present."""
    _maybe(
        vendored_repository,
        name = "rules_cc",
        marker = "@provi//third_party:BUILD.bazel",
        subdir = "rules_cc",
    )
    _maybe(
        vendored_repository,
        name = "rules_java",
        marker = "@provi//third_party:BUILD.bazel",
        subdir = "rules_java",
    )
    _maybe(
        vendored_repository,
        name = "remote_coverage_tools",
        marker = "@provi//third_party:BUILD.bazel",
        subdir = "remote_coverage_tools",
    )
    _maybe(
        system_library,
        name = "com_google_absl",
        build_file = "@provi//third_party:absl.BUILD",
        include_dirs = ["/usr/include/absl"],
        pkg_config_modules = _ABSL_MODULES,
    )
    _maybe(
        system_library,
        name = "eigen",
        build_file = "@provi//third_party:eigen.BUILD",
        include_links = {
            "Eigen": "/usr/include/eigen3/Eigen",
            "unsupported": "/usr/include/eigen3/unsupported",
        },
    )
    _maybe(
        system_library,
        name = "com_google_googletest",
        build_file = "@provi//third_party:googletest.BUILD",
        include_dirs = ["/usr/include/gtest", "/usr/include/gmock"],
        pkg_config_modules = ["gmock", "gtest"],
    )
    _maybe(
        system_library,
        name = "com_github_google_benchmark",
        build_file = "@provi//third_party:benchmark.BUILD",
        include_dirs = ["/usr/include/benchmark"],
        pkg_config_modules = ["benchmark"],
    )
    _maybe(
        system_library,
        name = "zlib",
        build_file = "@provi//third_party:zlib.BUILD",
        include_links = {
            "zlib.h": "/usr/include/zlib.h",
            "zconf.h": "/usr/include/zconf.h",
        },
        pkg_config_modules = ["zlib"],
    )
    _maybe(
        system_library,
        name = "libpng",
        build_file = "@provi//third_party:libpng.BUILD",
        include_links = {
            "png.h": "/usr/include/png.h",
            "pngconf.h": "/usr/include/pngconf.h",
            "pnglibconf.h": "/usr/include/pnglibconf.h",
        },
        pkg_config_modules = ["libpng"],
    )
    _maybe(
        system_library,
        name = "nlohmann_json",
        build_file = "@provi//third_party:nlohmann_json.BUILD",
        include_dirs = ["/usr/include/nlohmann"],
    )
    _maybe(
        system_library,
        name = "boost",
        build_file = "@provi//third_party:boost.BUILD",
        include_dirs = ["/usr/include/boost"],
    )
    _maybe(
        openmpi_repository,
        name = "openmpi",
    )
    _maybe(
        stan_math_repository,
        name = "stan_math",
    )
