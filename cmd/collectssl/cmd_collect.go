// This file holds the collect command: fetch an issued certificate with its
// chain, build the bundle, and write the files servers want.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/collectssl/collectssl"
)

const collectHelp = `
Collect an issued certificate and its chain from the CollectSSL endpoint and
write cert.pem, chain.pem, fullchain.pem, root.pem (when delivered) and
chain.p7b into DIR, atomically, with mode 0644. A file that already holds the
same content is left alone; one that holds something else is never replaced
without -force (and then nothing at all is written). A chain.pem or root.pem
left from an earlier collection, when this bundle has none, counts as
different: -force removes it. Notes about the chain (a dropped expired
cross-certificate, a duplicate) go to standard error.

Credentials come from COLLECTSSL_LOGIN and COLLECTSSL_PASSWORD, or from
-credentials FILE. Exit status: 0 written (or already there), 1 the API said
no, 2 usage error (flags, order, credentials, -endpoint), 3 failure
(transport, including an HTTP timeout; files), 4 still being processed
(without -wait, or when -timeout runs out).
`

func runCollect(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("collect", "-order N | -certificate-id N | -base-order N [flags]", collectHelp)
	var (
		of       orderFlags
		af       accountFlags
		lf       layoutFlags
		out      string
		wait     bool
		interval time.Duration
		timeout  time.Duration
		force    bool
	)
	of.register(fs)
	af.register(fs)
	lf.register(fs, collectssl.ResponseIndividual)
	fs.StringVar(&out, "out", ".", "write the files into `DIR` (created with mode 0755 when missing)")
	fs.BoolVar(&wait, "wait", false, "poll while the order is being processed, until it is issued or refused")
	fs.DurationVar(&interval, "interval", collectssl.DefaultPollInterval, "with -wait, the first polling interval (it doubles up to 15m)")
	fs.DurationVar(&timeout, "timeout", 0, "with -wait, give up after this `duration` (exit status 4); 0 waits until interrupted")
	fs.BoolVar(&force, "force", false, "replace files that hold a different certificate, and remove a chain.pem or root.pem this bundle does not have")
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
	if interval <= 0 {
		return usagef("collectssl: collect: -interval must be positive")
	}
	if timeout < 0 || (timeout > 0 && !wait) {
		return usagef("collectssl: collect: -timeout needs -wait and a positive duration")
	}
	client, err := af.client(e)
	if err != nil {
		return err
	}
	var res *collectssl.Result
	if wait {
		fmt.Fprintf(e.stderr, "collectssl: waiting for %s to be issued (polling from every %s)\n", of.describe(), interval)
		wctx := ctx
		if timeout > 0 {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		res, err = client.Wait(wctx, req, interval)
		err = waitErr(ctx, wctx, timeout, of.describe(), err)
	} else {
		res, err = client.Collect(ctx, req)
	}
	if err != nil {
		return err
	}
	return saveResult(e, e.stderr, res, out, force, of.describe())
}

// waitErr turns the error of Client.Wait into the command's error. ctx is
// the command's context (cancelled by a signal), wctx the wait's (ctx with
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

// saveResult builds the bundle of a collection and writes its files into
// dir, then prints the summary (stdout) and the bundle's findings (notes).
func saveResult(e *env, notes io.Writer, res *collectssl.Result, dir string, force bool, what string) error {
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
	files, err := bundleFiles(b)
	if err != nil {
		return err
	}
	outcomes, err := writeFiles(dir, files, force)
	if err != nil {
		printFindings(notes, b)
		return err
	}
	printBundle(e.stdout, b, time.Now())
	printOutcomes(e.stdout, dir, outcomes)
	printFindings(notes, b)
	return nil
}
