"""The build mode's vocabulary: one home for the names the mode, the checker and policy share.

Pants-free and import-free, so the checker PEX can carry it. The values are what users write in
BUILD files and `pants.toml`, and what reports print.
"""

# C libraries. "unknown" is only ever a detection result, never a choice.
NONE, MUSL, GLIBC, UNKNOWN = "none", "musl", "glibc", "unknown"
# What a binary can link: no C library, or one of the two this plugin links statically.
STATIC_LIBCS = (NONE, MUSL, GLIBC)
AUTO = "auto"
# The `libc` field's choices.
LIBCS = (AUTO, NONE, MUSL, GLIBC)

# How std's `net` and `os/user` resolve names: Go's own code, or the C library's (NSS).
RESOLVER_GO, RESOLVER_LIBC = "go", "libc"
RESOLVERS = (RESOLVER_GO, RESOLVER_LIBC)
PURE_GO_RESOLVER_TAGS = ("netgo", "osusergo")
# Tags that select the C-library resolver in std; they contradict resolver="go".
CGO_RESOLVER_TAGS = ("netcgo", "osusercgo")

# The `[go-static].musl_cc` values the plugin knows: zig (from its wheel; cross-compiles) and
# Debian's musl-gcc (host arch only).
ZIG, MUSL_GCC = "zig", "musl-gcc"
# What kind of C compiler a build found: zig (`zig cc -target T`), Debian's musl-gcc, a gcc (the
# system's or a cross `<triple>-gcc`), or another compiler an option named.
GCC, OTHER_CC = "gcc", "other"
CC_KINDS = (ZIG, MUSL_GCC, GCC, OTHER_CC)

# `go build -buildmode` values, as build info records them.
BUILDMODE_EXE, BUILDMODE_PIE = "exe", "pie"
# `-ldflags=-linkmode` values: Go's own linker, or the C toolchain's (needed for any cgo).
LINKMODE_INTERNAL, LINKMODE_EXTERNAL = "internal", "external"
# Link settings the mode owns: letting `ldflags` override them would silently undo the mode.
MODE_OWNED_LDFLAGS = ("-linkmode", "-extldflags", "-extld", "-buildmode", "-d")
# Always on, for every go build: no host paths in binaries or cache keys, no VCS stamping.
REPRODUCIBLE_FLAGS = ("-trimpath", "-buildvcs=false")
# A stamped release build records the checkout's VCS state in build info, as plain go build does.
STAMPED_FLAGS = ("-trimpath", "-buildvcs=true")

# The `pgo` field: Go's -pgo=auto (default.pgo beside the main package), off, or a profile path.
PGO_OFF = "off"
DEFAULT_PGO = "default.pgo"
# Go's default CGO_CFLAGS is "-O2 -g"; -g0 keeps zig's header paths out of cgo objects.
CGO_CFLAGS_NO_DEBUG = "-O2 -g0"

# The six scenarios (rows: how std resolves names; columns: the project's own C code):
#                              cgo + dlopen   cgo, no dlopen   no cgo
#     std via cgo (libc)            1               2             3
#     std via Go (netgo,osusergo)   4               5             6
SCENARIO_GLYPHS = {1: "①", 2: "②", 3: "③", 4: "④", 5: "⑤", 6: "⑥"}

# A verdict.
PASS, FAIL = "pass", "fail"

# The `tzdata` field: Go's zoneinfo database built in (the `timetzdata` tag), or not.
TZDATA_EMBED, TZDATA_OFF = "embed", "off"
TZDATA_CHOICES = (AUTO, TZDATA_EMBED, TZDATA_OFF)
TZDATA_TAG = "timetzdata"

# The `fips` field (area: FIPS). "off" builds no FIPS mode; the GOFIPS140 values select Go's own
# FIPS 140-3 module (pure Go): "latest" is the SDK's own crypto/internal/fips140 source, a
# version (or Go's aliases "certified", "inprocess") a frozen snapshot from GOROOT/lib/fips140.
# "boringcrypto" is GOEXPERIMENT=boringcrypto (BoringSSL's FIPS module, C, via cgo).
FIPS_OFF, FIPS_LATEST, FIPS_BORINGCRYPTO = "off", "latest", "boringcrypto"
FIPS_GO_ALIASES = ("certified", "inprocess")
# The prefix of the FIPS module's packages: a snapshot's are under <prefix>/<version>/.
FIPS_MODULE_PACKAGE = "crypto/internal/fips140"
# Only in a boringcrypto build: the cgo stubs of crypto/internal/boring's BoringSSL calls.
BORINGCRYPTO_MARKER = "_goboringcrypto_"

# The CPU level fields (area: CPU levels): GOAMD64 and GOARM64, as `go help environment` says.
GOAMD64_LEVELS = ("v1", "v2", "v3", "v4")
GOARM64_LEVELS = (
    *(f"v8.{minor}" for minor in range(10)),
    *(f"v9.{minor}" for minor in range(6)),
)
GOARM64_OPTIONS = ("lse", "crypto")
