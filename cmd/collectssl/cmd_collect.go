// This file holds the collect command: fetch an issued certificate with its
// chain (polling with progress under -wait), build the bundle, install it in
// the live directory through certdir, and run the deploy hook when the live
// set changed.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/certdir"
)

const collectHelp = `
Collect an issued certificate and its chain from the CollectSSL endpoint and
install it in the live directory DIR (-out): the files go into a new version
directory DIR/versions/NNNN, and one rename of the link DIR/current makes the
whole set live. Servers read the stable names DIR/cert.pem, chain.pem,
fullchain.pem, root.pem (when delivered), chain.p7b and, with -key,
privkey.pem, combined.pem (fullchain then key, for HAProxy) and cert.p12
(with -p12). The previous version stays for rollback.

A certificate for the same names (the same set of DNS and IP subject
alternative names) with a later notBefore replaces the live one: a renewal.
Another name set, or a certificate that is not newer, is refused unless
-force. The same certificate again changes nothing (exit status 5). An
exclusive lock on DIR/.lock is held from the comparison to the swap: a second
collect into DIR waits for the first.

-deploy-hook CMD runs CMD with /bin/sh after the live set changed (never when
it did not), with RENEWED_LINEAGE (DIR), RENEWED_DOMAINS (the names,
space-separated), COLLECTSSL_CHANGE, COLLECTSSL_VERSION and
COLLECTSSL_PREVIOUS in its environment.

-key FILE checks that the private key matches the certificate before
anything is written. -p12 writes cert.p12, its password taken from
COLLECTSSL_P12_PASSWORD or from -p12-password-file FILE, never from a flag.

Credentials come from COLLECTSSL_LOGIN and COLLECTSSL_PASSWORD, or from
-credentials FILE. Exit status: 0 the live set changed, 1 the API said no,
2 usage error, 3 failure (transport, files, refused by the renewal rule, a
key that does not match), 4 still being processed, 5 unchanged, 6 the live
set changed but the deploy hook failed, 130 SIGINT, 143 SIGTERM.
`

// envP12Password holds the PKCS#12 password when -p12-password-file is not
// given.
const envP12Password = "COLLECTSSL_P12_PASSWORD"

// maxKeyFileBytes bounds -key and -p12-password-file: an RSA 8192 key in PEM
// is under 7 KiB.
const maxKeyFileBytes = 64 << 10

// collectFlags are collect's own flags.
type collectFlags struct {
	out      string
	wait     bool
	interval time.Duration
	timeout  time.Duration
	force    bool
	jsonOut  bool
	quiet    bool
	verbose  bool
	hook     string
	key      string
	p12      bool
	p12File  string
	keep     int
}

func runCollect(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("collect", "-order N | -certificate-id N | -base-order N [flags]", collectHelp)
	var (
		of orderFlags
		af accountFlags
		lf layoutFlags
		cf collectFlags
		cp captureFlag
	)
	of.register(fs)
	af.register(fs)
	cp.register(fs)
	lf.register(fs, collectssl.ResponseIndividual)
	fs.BoolVar(&cf.wait, "wait", false, "poll while the order is being processed, until it is issued or refused")
	fs.DurationVar(&cf.interval, "interval", collectssl.DefaultPollInterval, "with -wait, the first polling interval (it doubles up to 15m)")
	fs.DurationVar(&cf.timeout, "timeout", 0, "with -wait, give up after this `duration` (exit status 4); 0 waits until interrupted")
	cf.register(fs, "password redacted")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	req := &collectssl.Request{QueryType: collectssl.QueryCertificateAndChain}
	if err := of.apply("collect", req); err != nil {
		return err
	}
	lf.apply(req)
	if err := req.Validate(); err != nil {
		return err
	}
	if cf.interval <= 0 {
		return usagef("collectssl: collect: -interval must be positive")
	}
	if cf.timeout < 0 || (cf.timeout > 0 && !cf.wait) {
		return usagef("collectssl: collect: -timeout needs -wait and a positive duration")
	}
	if err := cf.check("collect"); err != nil {
		return err
	}
	// Everything local is read before the first call: a bad key or a named
	// pipe fails now, not after a long wait.
	opts, err := cf.installOptions(e)
	if err != nil {
		return err
	}
	client, err := af.client(e)
	if err != nil {
		return err
	}
	if err := cp.install(e, client); err != nil {
		return err
	}
	if cf.verbose {
		client.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	progress := e.stderr
	if cf.quiet {
		progress = io.Discard
	}
	var res *collectssl.Result
	if cf.wait {
		fmt.Fprintf(progress, "collectssl: waiting for %s to be issued (polling from every %s)\n", of.describe(), cf.interval)
		wctx := ctx
		if cf.timeout > 0 {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, cf.timeout)
			defer cancel()
		}
		res, err = waitIssued(wctx, client, req, cf.interval, progress, of.describe())
		err = waitErr(ctx, wctx, cf.timeout, of.describe(), err)
	} else {
		res, err = client.Collect(ctx, req)
	}
	if err != nil {
		return err
	}
	return install(ctx, e, e.stderr, cf.dir(progress), res, opts, &cf, of.describe())
}

// register adds the flags of installing in a live directory; redaction
// says what -v keeps out of its log.
func (cf *collectFlags) register(fs *flag.FlagSet, redaction string) {
	fs.StringVar(&cf.out, "out", ".", "the live `DIR` (created with mode 0755 when missing)")
	fs.BoolVar(&cf.force, "force", false, "install a certificate the renewal rule refuses (other names, not newer)")
	fs.BoolVar(&cf.jsonOut, "json", false, "print the outcome as JSON on standard output")
	fs.BoolVar(&cf.quiet, "q", false, "no progress messages on standard error")
	fs.BoolVar(&cf.verbose, "v", false, "log every call to the API on standard error ("+redaction+")")
	fs.StringVar(&cf.hook, "deploy-hook", "", "run `CMD` (with /bin/sh) after the live set changed")
	fs.StringVar(&cf.key, "key", "", "the certificate's private key `FILE` (PEM): checked, then written as privkey.pem and combined.pem")
	fs.BoolVar(&cf.p12, "p12", false, "with -key, also write cert.p12 (password from "+envP12Password+" or -p12-password-file)")
	fs.StringVar(&cf.p12File, "p12-password-file", "", "read the PKCS#12 password from `FILE` (its first line)")
	fs.IntVar(&cf.keep, "keep", certdir.DefaultKeep, "how many versions to keep, the live one included; -1 keeps all")
}

// check refuses flag values that make no sense, for command cmd.
func (cf *collectFlags) check(cmd string) error {
	if cf.keep == 0 {
		return usagef("collectssl: %s: -keep must be positive, or -1 to keep all", cmd)
	}
	return nil
}

// dir is the live directory -out names, saying on progress when it waits
// for another collect's lock.
func (cf *collectFlags) dir(progress io.Writer) *certdir.Dir {
	return &certdir.Dir{Path: cf.out, Keep: cf.keep, OnLockWait: func() {
		fmt.Fprintf(progress, "collectssl: %s is locked by another collect; waiting for it\n", cf.out)
	}}
}

// installOptions reads -key and the PKCS#12 password.
func (cf *collectFlags) installOptions(e *env) (*certdir.Options, error) {
	opts := &certdir.Options{Force: cf.force}
	if cf.p12File != "" && !cf.p12 {
		return nil, usagef("collectssl: collect: -p12-password-file needs -p12")
	}
	if cf.key == "" {
		if cf.p12 {
			return nil, usagef("collectssl: collect: -p12 needs -key")
		}
		return opts, nil
	}
	key, mode, err := readKey(cf.key)
	if err != nil {
		return nil, err
	}
	opts.Key, opts.KeyMode = key, mode
	if cf.p12 {
		opts.PKCS12 = true
		if cf.p12File != "" {
			data, err := readFileLimited(cf.p12File, maxKeyFileBytes)
			if err != nil {
				return nil, usagef("%v", err)
			}
			line, _, _ := cutLine(string(data))
			opts.PKCS12Password = line
		} else {
			opts.PKCS12Password = e.getenv(envP12Password)
		}
		if opts.PKCS12Password == "" {
			return nil, usagef("collectssl: collect: -p12 needs a password: set %s or use -p12-password-file FILE", envP12Password)
		}
	}
	return opts, nil
}

// cutLine returns s up to its first line ending, without a carriage return.
func cutLine(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			line := s[:i]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			return line, s[i+1:], true
		}
	}
	return s, "", false
}

// waitIssued polls like collectssl.Client.Wait (the interval doubling up to
// the Client's MaxPollInterval, a 429 pausing for its Retry-After) and
// prints one progress line per poll: the status, and when the next poll is.
func waitIssued(ctx context.Context, c *collectssl.Client, req *collectssl.Request, interval time.Duration, progress io.Writer, what string) (*collectssl.Result, error) {
	maxInterval := c.MaxPollInterval
	if maxInterval <= 0 {
		maxInterval = collectssl.DefaultMaxPollInterval
	}
	maxInterval = max(maxInterval, interval)
	for poll := 1; ; poll++ {
		res, err := c.Collect(ctx, req)
		pause := interval
		var te *collectssl.TransportError
		state := "still being processed (status 0)"
		switch {
		case errors.As(err, &te) && te.StatusCode == http.StatusTooManyRequests:
			pause = max(pause, te.RetryAfter)
			state = "the server asked to slow down (HTTP 429)"
		case err != nil || res.Status != collectssl.StatusProcessing:
			return res, err
		}
		next := time.Now().Add(pause)
		fmt.Fprintf(progress, "collectssl: poll %d: %s %s; next poll in %s, at %s\n", poll, what, state, pause, next.Format("15:04:05"))
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		interval = min(interval, maxInterval/2) * 2
	}
}

// waitErr turns the error of a wait into the command's error. ctx is the
// command's context (cancelled by a signal), wctx the wait's (ctx with
// -timeout, when given). The wait ran out (exit 4) only when -timeout was
// given, wctx itself ended, ctx did not, and err is that end. The error alone
// cannot tell: net/http's own timeouts (http.Client.Timeout,
// ResponseHeaderTimeout) match context.DeadlineExceeded too, through
// *collectssl.TransportError's Unwrap, and they are transport failures.
func waitErr(ctx, wctx context.Context, timeout time.Duration, what string, err error) error {
	if err == nil || timeout <= 0 || ctx.Err() != nil {
		return err
	}
	if end := wctx.Err(); end != nil && errors.Is(err, end) {
		return &notReadyError{msg: fmt.Sprintf("collectssl: %s still not issued after %s; nothing written", what, timeout)}
	}
	return err
}

// install builds the bundle of a collection, installs it in d, prints the
// outcome, and runs the deploy hook when the live set changed. The
// bundle's findings go to notes.
func install(ctx context.Context, e *env, notes io.Writer, d *certdir.Dir, res *collectssl.Result, opts *certdir.Options, cf *collectFlags, what string) error {
	switch {
	case res.Status == collectssl.StatusProcessing:
		return &notReadyError{msg: fmt.Sprintf("collectssl: %s is still being processed (status 0); nothing written; try again later or use -wait", what)}
	case res.Certificate == nil:
		return fmt.Errorf("collectssl: %s: status %d (%s) but no end-entity certificate delivered; nothing written", what, int(res.Status), res.Status)
	}
	b, err := res.Bundle()
	if err != nil {
		return err
	}
	defer printFindings(notes, b)
	return installBundle(ctx, e, d, b, opts, cf)
}

// installBundle installs b in d, prints the outcome (as JSON with -json),
// and runs the deploy hook when the live set changed; the error carries the
// exit code of an unchanged set or a failed hook.
func installBundle(ctx context.Context, e *env, d *certdir.Dir, b *collectssl.Bundle, opts *certdir.Options, cf *collectFlags) error {
	out, err := d.Install(ctx, b, opts)
	if out == nil {
		return err
	}
	// err != nil here: the set changed, but a stable link could not be
	// made. The hook runs and the outcome is printed all the same; the
	// error is reported last.
	installErr := err
	var hv *hookView
	if out.Change != certdir.Unchanged && cf.hook != "" {
		hv = runHook(ctx, e, cf.hook, out)
	}
	if cf.jsonOut {
		if err := writeJSON(e.stdout, viewInstall(b, out, hv)); err != nil {
			return err
		}
	} else {
		printBundle(e.stdout, b, time.Now())
		printInstall(e.stdout, out, hv)
	}
	switch {
	case installErr != nil:
		return installErr
	case hv != nil && hv.ExitCode != 0:
		return &codeError{code: exitHook, msg: fmt.Sprintf("collectssl: the live set changed (%s), but the deploy hook failed: %s", out.Change, hv.Status)}
	case out.Change == certdir.Unchanged:
		return &codeError{code: exitSame}
	}
	return nil
}
