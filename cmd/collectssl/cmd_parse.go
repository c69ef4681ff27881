// This file holds the parse command: read a captured response body, given
// the request it answered, and print the Result as JSON.

package main

import (
	"context"
	"errors"

	"github.com/collectssl/collectssl"
)

const parseHelp = `
Read a captured CollectSSL response body from FILE (or standard input for
-) and print what it says as JSON: status, validity, FQDN, the certificates
(subject, issuer, serial, names, validity, fingerprint; never the raw blobs),
ext status, MDC domain details, status details, CAA status and every field or
line the parser did not recognise (extra).

A responseFormat=0 body is positional: which lines follow the status depends
on the request, so give the request's flags (-query, -type, -show-...). The
format and a binary body are recognised by content.

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

	name := fs.Arg(0)
	var (
		body []byte
		err  error
	)
	if name == "-" {
		body, err = readLimited(e.stdin, "standard input", collectssl.DefaultMaxResponseBytes)
	} else {
		body, err = readFileLimited(name, collectssl.DefaultMaxResponseBytes)
	}
	if err != nil {
		return err
	}
	res, err := collectssl.ParseResponse(req, contentType, body)
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
	return writeJSON(e.stdout, viewResult(res))
}
