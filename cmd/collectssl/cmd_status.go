// This file holds the status command: queryType 0 with every show flag,
// printed for humans or as JSON.

package main

import (
	"context"
	"errors"

	"github.com/collectssl/collectssl"
)

const statusHelp = `
Ask for an order's status (queryType 0) with every show flag: validity
period, FQDN, certificate and validation status, MDC domain details, the
seven status details and the CAA check status. Print them for humans, or as
JSON with -json (stable field names; absent values are left out).

Exit status: 0 the order exists (issued, available or being processed), 1
the API said no (the status and message are printed, as JSON with -json), 2
usage error, 3 failure.
`

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("status", "-order N | -certificate-id N | -base-order N [flags]", statusHelp)
	var (
		of      orderFlags
		af      accountFlags
		format  = collectssl.FormatLines
		jsonOut bool
		cf      captureFlag
	)
	of.register(fs)
	af.register(fs)
	cf.register(fs)
	fs.Var(&enumValue[collectssl.ResponseFormat]{&format, responseFormats}, "format", "the response `format` to ask for: "+enumNames(responseFormats))
	fs.BoolVar(&jsonOut, "json", false, "print JSON")
	if err := parseFlags(fs, e, args, 0); err != nil {
		return err
	}
	req := &collectssl.Request{QueryType: collectssl.QueryStatus, ResponseType: collectssl.ResponseIndividual, ResponseFormat: format}
	if err := of.apply("status", req); err != nil {
		return err
	}
	allShowFlags(req)
	if err := req.Validate(); err != nil {
		return err
	}
	client, err := af.client(e)
	if err != nil {
		return err
	}
	if err := cf.install(e, client); err != nil {
		return err
	}
	res, err := client.Collect(ctx, req)
	var se *collectssl.StatusError
	if jsonOut && errors.As(err, &se) {
		if werr := writeJSON(e.stdout, viewStatusError(se)); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	if jsonOut {
		return writeJSON(e.stdout, viewResult(res))
	}
	printStatus(e.stdout, res)
	return nil
}
