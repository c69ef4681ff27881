// This file holds main, run (the whole command with every dependency
// injected), the table of subcommands, and the mapping from errors to exit
// codes.

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/trustico"
)

// Exit codes; see the package documentation.
const (
	exitOK       = 0
	exitRefused  = 1 // a negative status code: the API said no
	exitUsage    = 2 // a bad command line: flags, order, credentials, request, endpoint
	exitFailure  = 3 // transport, parse or local (file) failure
	exitNotReady = 4 // the order is still being processed
	exitSame     = 5 // collect: the same certificate was already live; nothing changed
	exitHook     = 6 // collect: the live set changed, but the deploy hook failed

	exitInterrupted = 130 // SIGINT (128 + 2)
	exitTerminated  = 143 // SIGTERM (128 + 15)
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cancel(signalError{sig})
		signal.Stop(sigs) // a second signal ends the process at once
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	cancel(nil)
	os.Exit(code)
}

// signalError is the cause of the command's context when a signal ended
// it.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// interruptCode is the exit code of a run that ctx's end interrupted: 143
// for SIGTERM, 130 for anything else (SIGINT, or a context cancelled
// without a signal).
func interruptCode(ctx context.Context) int {
	var se signalError
	if errors.As(context.Cause(ctx), &se) && se.sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// env is what a command needs from its surroundings. Everything is injected
// so that tests run the command in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "run the whole job against a built-in fake server", runDemo},
		{"collect", "collect an issued certificate and write the bundle files", runCollect},
		{"status", "show an order's status and validation details", runStatus},
		{"parse", "read a captured response body and print it as JSON", runParse},
		{"serve", "run the fake CollectSSL server until interrupted", runServe},
		{"trustico", "talk to Trustico's REST reseller API (collect, status)", runTrustico},
		{"version", "print the version, from the build information", runVersion},
	}
}

// run runs the command line args (without the program name) and returns the
// exit code. It never exits the process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		topUsage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		topUsage(stdout)
		return exitOK
	case "help":
		if len(rest) == 0 {
			topUsage(stdout)
			return exitOK
		}
		name, rest = rest[0], []string{"-h"}
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, e, rest)
			code := exitCode(stderr, err)
			if code == exitInterrupted {
				code = interruptCode(ctx)
			}
			return code
		}
	}
	fmt.Fprintf(stderr, "collectssl: unknown command %q; run 'collectssl -h' for the list\n", name)
	return exitUsage
}

func topUsage(w io.Writer) {
	fmt.Fprint(w, "collectssl talks to Sectigo's CollectSSL API.\n\nUsage:\n\n\tcollectssl <command> [flags] [arguments]\n\nThe commands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'collectssl <command> -h' for a command's flags. Credentials come from\n"+
		"COLLECTSSL_LOGIN and COLLECTSSL_PASSWORD, or from -credentials FILE.\n"+
		"Exit status: 0 success, 1 the API said no, 2 usage error, 3 failure,\n"+
		"4 not issued yet, 5 collect: unchanged, 6 collect: the deploy hook failed,\n"+
		"130 SIGINT, 143 SIGTERM.\n")
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// errHelp is returned when -h was asked for and the help was printed.
var errHelp = errors.New("help printed")

// notReadyError: the order is still being processed (exit code 4).
type notReadyError struct{ msg string }

func (e *notReadyError) Error() string { return e.msg }

// codeError carries an exit code of its own: a collect that changed
// nothing (5) or whose deploy hook failed (6). An empty message prints
// nothing.
type codeError struct {
	code int
	msg  string
}

func (e *codeError) Error() string { return e.msg }

// exitCode prints err (if any) as one line on stderr and returns the exit
// code it stands for. An interruption (context.Canceled) is 130; run makes
// it 143 when SIGTERM was the cause.
func exitCode(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	var ce *codeError
	if errors.As(err, &ce) {
		if ce.msg != "" {
			fmt.Fprintln(stderr, oneLine(ce.msg))
		}
		return ce.code
	}
	msg := oneLine(err.Error())
	if errors.Is(err, context.Canceled) {
		msg = "collectssl: interrupted"
	}
	if !strings.HasPrefix(msg, "collectssl:") {
		msg = "collectssl: " + msg
	}
	fmt.Fprintln(stderr, msg)
	var (
		ue *usageError
		se *collectssl.StatusError
		te *trustico.Error
		nr *notReadyError
	)
	switch {
	case errors.As(err, &ue), errors.Is(err, collectssl.ErrInvalidRequest), errors.Is(err, collectssl.ErrInvalidEndpoint),
		errors.Is(err, trustico.ErrInvalidRequest), errors.Is(err, trustico.ErrInvalidEndpoint):
		return exitUsage
	case errors.As(err, &se), errors.As(err, &te):
		return exitRefused
	case errors.As(err, &nr):
		return exitNotReady
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitFailure
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return printable(strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " "))
}

// printable returns s with every control character (C0 but the tab, DEL, C1)
// and every byte that is not UTF-8 written as a \x or \u escape, so that
// text from a server (a status, a message, a certificate's subject) cannot
// drive the terminal it is printed on. (Unicode's bidirectional and format
// characters are left alone: they reorder text, they send no command. The
// JSON output escapes C0 control characters as JSON does, and is meant for
// programs.)
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// parseFlags parses args with fs. The flag package's own messages are
// collected, not printed: -h prints the help on stdout and returns errHelp; a
// bad flag becomes a one-line usage error. Positional arguments are checked
// against want (-1: any number).
func parseFlags(fs *flag.FlagSet, e *env, args []string, want int) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = e.stdout.Write(buf.Bytes())
		return errHelp
	}
	if err != nil {
		return usagef("collectssl: %s: %v; run 'collectssl %s -h' for usage", fs.Name(), err, fs.Name())
	}
	if want >= 0 && fs.NArg() != want {
		if want == 0 {
			return usagef("collectssl: %s: unexpected argument %q; run 'collectssl %s -h' for usage", fs.Name(), fs.Arg(0), fs.Name())
		}
		return usagef("collectssl: %s: want %d argument(s), got %d; run 'collectssl %s -h' for usage", fs.Name(), want, fs.NArg(), fs.Name())
	}
	return nil
}

// newFlagSet makes a FlagSet whose help starts with usage line and text.
func newFlagSet(name, usage, text string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: collectssl %s %s\n\n%s\n", name, usage, strings.TrimSpace(text))
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprint(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}
