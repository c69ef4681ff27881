// This file holds the deploy hook: a shell command run after the live set
// changed, with the lineage's paths and names in its environment (certbot's
// RENEWED_LINEAGE and RENEWED_DOMAINS) and the secrets taken out of it.

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/collectssl/collectssl/certdir"
)

// hookView is what the deploy hook did, for people and for -json.
type hookView struct {
	Command  string `json:"command"`
	ExitCode int    `json:"exitCode"` // -1 when it could not be started or was killed
	Status   string `json:"status"`   // "exit status 0", "signal: killed", ...
}

// secretEnv are the environment variables that hold secrets: the command
// reads them, and a hook never sees them.
var secretEnv = []string{envPassword, envP12Password, envTrusticoSecret}

// hookEnv is the hook's environment: environ (the process's) without the
// secrets, plus the lineage's variables.
func hookEnv(environ []string, out *certdir.Outcome) []string {
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(secretEnv, name) {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"RENEWED_LINEAGE="+abs(out.Lineage),
		"RENEWED_DOMAINS="+strings.Join(out.Domains, " "),
		"COLLECTSSL_CHANGE="+out.Change.String(),
		"COLLECTSSL_VERSION="+abs(out.Version),
		"COLLECTSSL_PREVIOUS="+abs(out.Previous),
	)
}

// runHook runs command with /bin/sh -c; its output goes to standard error
// (standard output is for the summary or the JSON). A signal to collect
// kills it, and every process it started (its process group).
func runHook(ctx context.Context, e *env, command string, out *certdir.Outcome) *hookView {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = hookEnv(os.Environ(), out)
	killGroupOnCancel(cmd)
	cmd.WaitDelay = 5 * time.Second // a child that keeps the output open does not hold collect
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	hv := &hookView{Command: command, Status: "exit status 0"}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		hv.ExitCode, hv.Status = ee.ExitCode(), ee.String()
	default:
		hv.ExitCode, hv.Status = -1, fmt.Sprintf("not run: %v", err)
	}
	return hv
}
