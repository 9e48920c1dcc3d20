"""The registry client `pants publish` runs: go-containerregistry's crane, with one guard of ours.

Pants-free. crane is built from the Go module proxy with the plugin's own Go SDK, verified by the
go.sum below (and the checksum database for a version it lacks), so nothing prebuilt is trusted.
Its `main` is crane's own plus a transport guard: ggcr attaches credentials by host:port alone, so
an upload `Location` that switches the same host:port to http:// would get them in cleartext.
"""

from __future__ import annotations

from go_static.core.gotool import GoTool, check_version

# go-containerregistry's version: the default of `[go-static-crane].version`.
DEFAULT_CRANE_VERSION = "v0.22.1"
GGCR_MODULE = "github.com/google/go-containerregistry"
# The host:port values (comma separated) that may get credentials over plain HTTP.
PLAIN_HTTP_CREDENTIALS_ENV = "GO_STATIC_PLAIN_HTTP_CREDENTIALS"
BINARY = "crane"


def crane_tool(version: str = DEFAULT_CRANE_VERSION) -> GoTool:
    """crane at `version`: our main (the guard) over go-containerregistry's command."""
    return GoTool(
        binary=BINARY,
        module=GGCR_MODULE,
        package=".",
        version=version,
        default_version=DEFAULT_CRANE_VERSION,
        option="[go-static-crane].version",
        purpose="`pants publish` pushes go_static_image with crane",
        version_symbol=f"{GGCR_MODULE}/cmd/crane/cmd.Version",
        go_sum=GO_SUM,
        main_go=MAIN_GO,
    )


def build_argv(version: str) -> tuple[str, ...]:
    """`go build` of the crane main, with the version crane reports."""
    return crane_tool(version).build_argv()


def go_mod(version: str) -> str:
    """The main module's go.mod, requiring go-containerregistry at `version`."""
    check_version(version, DEFAULT_CRANE_VERSION)
    return crane_tool(version).go_mod()


def source_files(version: str) -> dict[str, str]:
    """The main module, as files: go.mod, go.sum, main.go."""
    return crane_tool(version).source_files()


# `go mod tidy` for DEFAULT_CRANE_VERSION, from the module proxy: go.sum's lines, split.
GO_SUM = "".join(
    f"{line} {h1}\n"
    for line, h1 in (
        (
            "github.com/cpuguy83/go-md2man/v2 v2.0.6/go.mod",
            "h1:oOW0eioCTA6cOiMLiUPZOpcVxMig6NIQQ7OS05n1F4g=",
        ),
        (
            "github.com/davecgh/go-spew v1.1.1",
            "h1:vj9j/u1bqnvCEfJOwUhtlOARqs3+rkHYY13jYWTU97c=",
        ),
        (
            "github.com/davecgh/go-spew v1.1.1/go.mod",
            "h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38=",
        ),
        (
            "github.com/docker/cli v29.7.2+incompatible",
            "h1:dlkwallR8XqfeVnA2ELEhdwvb4lsSwuB4IgsG8Q9cLY=",
        ),
        (
            "github.com/docker/cli v29.7.2+incompatible/go.mod",
            "h1:JLrzqnKDaYBop7H2jaqPtU4hHvMKP+vjCwu2uszcLI8=",
        ),
        (
            "github.com/docker/docker-credential-helpers v0.9.3",
            "h1:gAm/VtF9wgqJMoxzT3Gj5p4AqIjCBS4wrsOh9yRqcz8=",
        ),
        (
            "github.com/docker/docker-credential-helpers v0.9.3/go.mod",
            "h1:x+4Gbw9aGmChi3qTLZj8Dfn0TD20M/fuWy0E5+WDeCo=",
        ),
        (
            "github.com/google/go-cmp v0.7.0",
            "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=",
        ),
        (
            "github.com/google/go-cmp v0.7.0/go.mod",
            "h1:pXiqmnSA92OHEEa9HXL2W4E7lf9JzCmGVUdgjX3N/iU=",
        ),
        (
            "github.com/google/go-containerregistry v0.22.1",
            "h1:RZuuSYhTvlDvtsK+NkutoCZ//C0X2ebLK8X8l3ULs84=",
        ),
        (
            "github.com/google/go-containerregistry v0.22.1/go.mod",
            "h1:bJR35SK8XgisYmhg/FMQ/5RK0S/XrOAqLBV5/LR2XE0=",
        ),
        (
            "github.com/inconshreveable/mousetrap v1.1.0",
            "h1:wN+x4NVGpMsO7ErUn/mUI3vEoE6Jt13X2s0bqwp9tc8=",
        ),
        (
            "github.com/inconshreveable/mousetrap v1.1.0/go.mod",
            "h1:vpF70FUmC8bwa3OWnCshd2FqLfsEA9PFc4w1p2J65bw=",
        ),
        (
            "github.com/klauspost/compress v1.19.2",
            "h1:hMRETovs/pu/dVWN7zIT1PGG8t509MwT6bO7XSi26R8=",
        ),
        (
            "github.com/klauspost/compress v1.19.2/go.mod",
            "h1:cwPg85FWrGar70rWktvGQj8/hthj3wpl0PGDogxkrSQ=",
        ),
        (
            "github.com/opencontainers/go-digest v1.0.0",
            "h1:apOUWs51W5PlhuyGyz9FCeeBIOUDA/6nW8Oi/yOhh5U=",
        ),
        (
            "github.com/opencontainers/go-digest v1.0.0/go.mod",
            "h1:0JzlMkj0TRzQZfJkVvzbP0HBR3IKzErnv2BNG4W4MAM=",
        ),
        (
            "github.com/opencontainers/image-spec v1.1.1",
            "h1:y0fUlFfIZhPF1W537XOLg0/fcx6zcHCJwooC2xJA040=",
        ),
        (
            "github.com/opencontainers/image-spec v1.1.1/go.mod",
            "h1:qpqAh3Dmcf36wStyyWU+kCeDgrGnAve2nCC8+7h8Q0M=",
        ),
        (
            "github.com/pmezard/go-difflib v1.0.0",
            "h1:4DBwDE0NGyQoBHbLQYPwSUPoCMWR5BEzIk/f1lZbAQM=",
        ),
        (
            "github.com/pmezard/go-difflib v1.0.0/go.mod",
            "h1:iKH77koFhYxTK1pcRnkKkqfTogsbg7gZNVY4sRDYZ/4=",
        ),
        (
            "github.com/russross/blackfriday/v2 v2.1.0/go.mod",
            "h1:+Rmxgy9KzJVeS9/2gXHxylqXiyQDYRxCVz55jmeOWTM=",
        ),
        (
            "github.com/sirupsen/logrus v1.9.4",
            "h1:TsZE7l11zFCLZnZ+teH4Umoq5BhEIfIzfRDZ1Uzql2w=",
        ),
        (
            "github.com/sirupsen/logrus v1.9.4/go.mod",
            "h1:ftWc9WdOfJ0a92nsE2jF5u5ZwH8Bv2zdeOC42RjbV2g=",
        ),
        (
            "github.com/spf13/cobra v1.10.2",
            "h1:DMTTonx5m65Ic0GOoRY2c16WCbHxOOw6xxezuLaBpcU=",
        ),
        (
            "github.com/spf13/cobra v1.10.2/go.mod",
            "h1:7C1pvHqHw5A4vrJfjNwvOdzYu0Gml16OCs2GRiTUUS4=",
        ),
        (
            "github.com/spf13/pflag v1.0.9/go.mod",
            "h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=",
        ),
        (
            "github.com/spf13/pflag v1.0.10",
            "h1:4EBh2KAYBwaONj6b2Ye1GiHfwjqyROoF4RwYO+vPwFk=",
        ),
        (
            "github.com/spf13/pflag v1.0.10/go.mod",
            "h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=",
        ),
        (
            "github.com/stretchr/testify v1.10.0",
            "h1:Xv5erBjTwe/5IxqUQTdXv5kgmIvbHo3QQyRwhJsOfJA=",
        ),
        (
            "github.com/stretchr/testify v1.10.0/go.mod",
            "h1:r2ic/lqez/lEtzL7wO/rwa5dbSLXVDPFyf8C91i36aY=",
        ),
        (
            "go.yaml.in/yaml/v3 v3.0.4/go.mod",
            "h1:DhzuOOF2ATzADvBadXxruRBLzYTpT36CKvDb3+aBEFg=",
        ),
        (
            "golang.org/x/mod v0.39.0",
            "h1:UF5zwQdCRRUpHfyPwr7d4UrGiVeldIsogtzWVnczL74=",
        ),
        (
            "golang.org/x/mod v0.39.0/go.mod",
            "h1:bvIbwjQ0HUFFf5AKukeeYQG4ZBUG9yxQbR9aEweIwYY=",
        ),
        (
            "golang.org/x/sync v0.22.0",
            "h1:SZjpbeLmrCk4xhRSZFNZW5gFUeCeFgjekvI/+gfScek=",
        ),
        (
            "golang.org/x/sync v0.22.0/go.mod",
            "h1:9xrNwdLfx4jkKbNva9FpL6vEN7evnE43NNNJQ2LF3+0=",
        ),
        (
            "golang.org/x/sys v0.47.0",
            "h1:o7XGOvZQCADBQQ4Y7VNq2dRWQR7JmOUW8Kxx4ZsNgWs=",
        ),
        (
            "golang.org/x/sys v0.47.0/go.mod",
            "h1:4GL1E5IUh+htKOUEOaiffhrAeqysfVGipDYzABqnCmw=",
        ),
        (
            "golang.org/x/tools v0.49.0",
            "h1:3NI7VXzL9+1WZD52Dx2ttoPwD5DWrFGpl9mFZDlmisI=",
        ),
        (
            "golang.org/x/tools v0.49.0/go.mod",
            "h1:SJNXV9DBKT0UbdttsQjbfJlAE/q+y36++zo3uL3N0Oo=",
        ),
        (
            "gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405/go.mod",
            "h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=",
        ),
        (
            "gopkg.in/yaml.v3 v3.0.1",
            "h1:fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA=",
        ),
        (
            "gopkg.in/yaml.v3 v3.0.1/go.mod",
            "h1:K4uyk7z7BCEPqu6E+C64Yfv1cQ7kz7rIZviUmN+EgEM=",
        ),
        (
            "gotest.tools/v3 v3.5.2",
            "h1:7koQfIKdy+I8UTetycgUqXWSDwpgv193Ka+qRsmBY8Q=",
        ),
        (
            "gotest.tools/v3 v3.5.2/go.mod",
            "h1:LtdLGcnqToBH83WByAAi/wiwSFCArdFIUV/xxN4pcjA=",
        ),
    )
)

MAIN_GO = """\
// crane with one guard: credentials never go over plain HTTP to a registry not listed as insecure.
//
// ggcr attaches credentials by host:port alone, so an upload Location that switches the same
// host:port to http:// would get them in cleartext. The guard is the transport's Proxy hook,
// which every request passes after the auth transports have set their headers.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"

	"github.com/google/go-containerregistry/cmd/crane/cmd"
	"github.com/google/go-containerregistry/pkg/logs"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type proxyFunc = func(*http.Request) (*url.URL, error)

func guard(next proxyFunc, allowed map[string]bool) proxyFunc {
	return func(req *http.Request) (*url.URL, error) {
		if req.URL.Scheme == "http" && req.Header.Get("Authorization") != "" &&
			!allowed[req.URL.Host] {
			return nil, fmt.Errorf(
				"go_static: refused to send credentials over plain HTTP to http://%s%s",
				req.URL.Host, req.URL.Path)
		}
		return next(req)
	}
}

func init() {
	logs.Warn.SetOutput(os.Stderr)
	logs.Progress.SetOutput(os.Stderr)
	allowed := map[string]bool{}
	for _, host := range strings.Split(os.Getenv("GO_STATIC_PLAIN_HTTP_CREDENTIALS"), ",") {
		if host = strings.TrimSpace(host); host != "" {
			allowed[host] = true
		}
	}
	transport := remote.DefaultTransport.(*http.Transport)
	// crane clones this transport for every command, Proxy hook included.
	transport.Proxy = guard(transport.Proxy, allowed)
}

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := cmd.Root.ExecuteContext(ctx); err != nil {
		cancel()
		os.Exit(1)
	}
}
"""
