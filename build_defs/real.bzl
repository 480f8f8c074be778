"""The build setting that chooses `provi::Real` (base/real.h).

`//:real` is a string flag, "float" (the default) or "double":

    bazel build --@provi//:real=double //:my_model   # a depending workspace
    ./bazelw test --config=f64 //...                 # provi (--//:real=double)

Inside provi's own workspace the label is `//:real`: Bazel 4 takes
`--@provi//:real` there for a setting of another repository, which nothing
reads.

`//base:real` defines `PROVI_REAL_DOUBLE` for every target that depends on
it when the flag is "double".
"""

REAL_TYPES = ["float", "double"]

def _real_setting_impl(ctx):
    if ctx.build_setting_value not in REAL_TYPES:
        fail("%s must be one of %s, not '%s'" % (
            ctx.label,
            " or ".join(REAL_TYPES),
            ctx.build_setting_value,
        ))
    return []

real_setting = rule(
    implementation = _real_setting_impl,
    build_setting = config.string(flag = True),
    doc = "The scalar type of provi::Real: one of REAL_TYPES.",
)
