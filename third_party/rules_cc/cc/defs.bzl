"""The C++ rules of Bazel 4.2.3 under their rules_cc names.

Debian's `bazel-rules-cc` package is newer than this Bazel understands, so
provi ships this stand-in: each macro forwards to the native rule. BUILD files
load the rules from here, as they would with modern Bazel.
"""

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_proto_library(**attrs):
    native.cc_proto_library(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)
