// This file holds the parse command: read a captured response body, given
// the request it answered, and print the Result as JSON.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/collectssl/collectssl"
)

const parseHelp = `
Read a captured CollectSSL response body from FILE (or standard input for
-) and print what it says as JSON: status, validity, FQDN, the certificates
(subject, issuer, serial, names, validity, fingerprint; never the raw blobs),
ext status, MDC domain details, status details, CAA status and every field or
line the parser did not recognise (extra).

A responseFormat=0 body is positional: which lines follow the status depends
on the request's flags (-query, -type, -show-...). Without any -show- flag,
parse reads the body as if every show flag had been set, and the parser
recognises each optional line by its content (a validity period, an FQDN,
the extended status, MDC domain details, status details, a CAA status).
Lines that fit nowhere are printed under extra, and a note on standard error
says how many. The format and a binary body are recognised by content.

FILE may also be a capture file (written by collect and status with
-capture DIR): the request and the Content-Type come from the file, and the
flags are not needed.

Exit status: 0 parsed, 1 the body carries a negative status (printed as JSON
too), 2 usage error, 3 the body could not be read or parsed.
`

func runParse(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("parse", "[flags] FILE|-", parseHelp)
	var (
		query       = collectssl.QueryCertificateAndChain
		lf          layoutFlags
		sf          showFlags
		contentType string
	)
	fs.Var(&enumValue[collectssl.QueryType]{&query, queryTypes}, "query", "the request's `queryType`: "+enumNames(queryTypes))
	lf.register(fs, collectssl.ResponseIndividual)
	sf.register(fs)
	fs.StringVar(&contentType, "content-type", "", "the response's Content-Type header, for its charset (default: none, read as UTF-8 or Windows-1252)")
	if err := parseFlags(fs, e, args, 1); err != nil {
		return err
	}
	req := &collectssl.Request{QueryType: query}
	lf.apply(req)
	sf.apply(req)
	if !sf.any(fs) {
		allShowFlags(req) // see parseHelp: every optional line is recognised by its content
	}

	name := fs.Arg(0)
	var (
		body []byte
		err  error
	)
	if name == "-" {
		body, err = readLimited(e.stdin, "standard input", maxParseInput)
	} else {
		body, err = readFileLimited(name, maxParseInput)
	}
	if err != nil {
		return err
	}
	var res *collectssl.Result
	if bytes.HasPrefix(body, []byte("collectssl-capture ")) {
		// A capture file: the request and the Content-Type are in it.
		var cp *collectssl.Capture
		if cp, err = collectssl.ReadCapture(body); err == nil {
			res, err = cp.Parse()
		}
	} else {
		res, err = collectssl.ParseResponse(req, contentType, body)
	}
	var se *collectssl.StatusError
	if errors.As(err, &se) {
		if werr := writeJSON(e.stdout, viewStatusError(se)); werr != nil {
			return werr
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := writeJSON(e.stdout, viewResult(res)); err != nil {
		return err
	}
	if n := len(res.Extra[collectssl.ExtraLineKey]); n > 0 {
		fmt.Fprintf(e.stderr, "collectssl: note: %d line(s) of the body could not be placed; they are under extra\n", n)
	}
	return nil
}

// maxParseInput bounds what parse reads: the largest body (the parsers
// refuse a larger one with their own error), or a capture file of it, whose
// body may be in base64.
const maxParseInput = collectssl.DefaultMaxResponseBytes/3*4 + 1<<16
