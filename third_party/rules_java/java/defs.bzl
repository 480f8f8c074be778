"""The Java rules of Bazel 4.2.3 under their rules_java names.

provi builds no Java; Bazel's tools/jdk package loads these names while it
registers its toolchains, so each macro forwards to the native rule.
"""

def java_binary(**attrs):
    native.java_binary(**attrs)

def java_import(**attrs):
    native.java_import(**attrs)

def java_library(**attrs):
    native.java_library(**attrs)

def java_runtime(**attrs):
    native.java_runtime(**attrs)

def java_test(**attrs):
    native.java_test(**attrs)

def java_toolchain(**attrs):
    native.java_toolchain(**attrs)
