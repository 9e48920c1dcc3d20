"""The licence detector: google/licensecheck (the classifier pkg.go.dev uses), pinned. Pants-free.

Built as a GoTool with a main of ours: for each module directory it is given, it classifies the
licence files at the module root (the names pkg.go.dev reads) and prints JSON. licensecheck was
chosen over Python detectors because it is what pkg.go.dev shows Go users, so a module's licence
here is the one its pkg.go.dev page names.
"""

from __future__ import annotations

from go_static.core.gotool import GoTool

DEFAULT_LICENSECHECK_VERSION = "v0.3.1"
LICENSECHECK_MODULE = "github.com/google/licensecheck"
BINARY = "licensecheck"


def licensecheck_tool(version: str = DEFAULT_LICENSECHECK_VERSION) -> GoTool:
    """licensecheck at `version`, under our main that scans module roots."""
    return GoTool(
        binary=BINARY,
        module=LICENSECHECK_MODULE,
        package=".",
        version=version,
        default_version=DEFAULT_LICENSECHECK_VERSION,
        option="[go-static-licensecheck].version",
        purpose="the SBOM and `pants check` name each Go module's licence",
        go_sum=GO_SUM if version == DEFAULT_LICENSECHECK_VERSION else "",
        main_go=MAIN_GO,
    )


# `go mod tidy` for DEFAULT_LICENSECHECK_VERSION, from the module proxy (it has no dependencies).
GO_SUM = (
    "github.com/google/licensecheck v0.3.1 h1:QoxgoDkaeC4nFrtGN1jV7IPmDCHFNIVh54e5hSt6sPs=\n"
    "github.com/google/licensecheck v0.3.1/go.mod h1:ORkR35t/JjW+emNKtfJDII0zlciG9JgbT7SmsohlHmY=\n"
)

MAIN_GO = r"""// go-static's licence scan: for each module directory given, the licence files at its
// root (the names pkg.go.dev reads), each classified by github.com/google/licensecheck, as JSON.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// The licence file names pkg.go.dev reads, plus COPYING.LESSER (where LGPL code keeps the
// LGPL beside a GPL COPYING), compared case-insensitively.
var names = map[string]bool{}

func init() {
	for _, base := range []string{"COPYING", "LICENCE", "LICENSE", "UNLICENSE", "UNLICENCE",
		"LICENSE-APACHE", "LICENCE-APACHE", "LICENSE-MIT", "LICENCE-MIT", "MIT-LICENSE",
		"MIT-LICENCE", "MIT_LICENSE", "MIT_LICENCE", "COPYING.LESSER", "LICENSE-2.0", "LICENCE-2.0",
		"LICENSE-APACHE-2.0", "LICENCE-APACHE-2.0", "LICENSE.MIT", "LICENCE.MIT",
		"LICENSE.CODE", "LICENCE.CODE", "LICENSE.DOCS", "LICENCE.DOCS"} {
		for _, ext := range []string{"", ".md", ".markdown", ".txt", ".rst"} {
			names[base+ext] = true
		}
	}
}

// A licence file larger than this is not read (pkg.go.dev's bound is of the same order).
const maxSize = 1 << 20

type match struct {
	ID    string `json:"id"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

type file struct {
	Name    string  `json:"name"`
	Percent float64 `json:"percent"`
	Matches []match `json:"matches"`
	Error   string  `json:"error,omitempty"`
}

type result struct {
	Dir   string `json:"dir"`
	Files []file `json:"files"`
	Error string `json:"error,omitempty"`
}

func scan(dir string) result {
	r := result{Dir: dir, Files: []file{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if !e.Type().IsRegular() || !names[strings.ToUpper(e.Name())] {
			continue
		}
		f := file{Name: e.Name(), Matches: []match{}}
		h, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Error = err.Error()
			r.Files = append(r.Files, f)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(h, maxSize+1))
		h.Close()
		if err != nil || len(data) > maxSize {
			f.Error = fmt.Sprintf("not read: larger than %d bytes or unreadable", maxSize)
			r.Files = append(r.Files, f)
			continue
		}
		cov := licensecheck.Scan(data)
		f.Percent = cov.Percent
		for _, m := range cov.Match {
			f.Matches = append(f.Matches, match{m.ID, m.Start, m.End})
		}
		r.Files = append(r.Files, f)
	}
	return r
}

func main() {
	out := []result{}
	for _, dir := range os.Args[1:] {
		out = append(out, scan(dir))
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
"""
