// This file holds the version command: the module version, the VCS
// revision and the Go release, from the build information.

package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

const versionHelp = `
Print collectssl's version, the VCS revision it was built from (when the
build recorded it) and the Go release that built it.
`

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("version", "", versionHelp)
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, versionLine())
	return nil
}

// versionLine is "collectssl VERSION [REVISION[-dirty] TIME] GO".
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "collectssl (unknown: no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	line := "collectssl " + v
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		line += " " + rev + dirty
		if when != "" {
			line += " " + when
		}
	}
	return line + " " + bi.GoVersion
}
