"""provi's layer order, enforced by Bazel visibility.

Dependencies point down only:

    base <- ad <- distributions <- runtime <- handlers <- estimators <- vi <- distributed
                  data                        nn

`data/` sits beside `distributions/` and `nn/` beside `handlers/` (its layers
are `param` sites); `distributed/` (data-parallel SVI) is on top of `vi/`. A
layer depends only on layers of lower rank, never on one beside or above
it. Tests, benchmarks, examples and workspaces that depend on provi may use
every layer.

The root BUILD.bazel calls `layer_visibility_groups()`, which declares one
package_group `//:above_<layer>` per layer: every package except the layers
of the same or lower rank. Each layer's BUILD.bazel makes it the default
visibility of its targets, so a dependency pointing the wrong way fails to
build:

    target '//vi:vi' is not visible from target '//runtime:runtime'

and `bazel query 'visible(//runtime:runtime, //vi:vi)'` is empty.

In Bazel 4 a package_group's `//...` matches every package of every
repository (a depending workspace's included), which is what keeps the layer
targets public; Bazel 7 spells that `public`.
"""

# Each layer's package and rank.
LAYERS = {
    "base": 0,
    "ad": 1,
    "distributions": 2,
    "data": 2,
    "runtime": 3,
    "handlers": 4,
    "nn": 4,
    "estimators": 5,
    "vi": 6,
    "distributed": 7,
}

def layer_visibility_groups():
    """Declares the package_group `above_<layer>` for every layer."""
    for layer, rank in LAYERS.items():
        native.package_group(
            name = "above_" + layer,
            packages = ["//..."] + [
                "-//%s/..." % other
                for other, other_rank in LAYERS.items()
                if other != layer and other_rank <= rank
            ],
        )

def layer_public_headers(exclude = []):
    """Declares `public_headers`, the layer's *.h files (internal/ excluded).

    //tests:public_headers_test includes all of them in one translation unit.

    Args:
      exclude: headers left out (those that need a library //:provi lacks).
    """
    native.filegroup(
        name = "public_headers",
        srcs = native.glob(["*.h"], exclude = exclude),
        visibility = ["//tests:__pkg__"],
    )
