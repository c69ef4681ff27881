// Command collectssl collects certificates from Sectigo's CollectSSL API,
// shows an order's status, reads captured responses, and runs a fake
// CollectSSL server for tests.
//
// Usage:
//
//	collectssl <command> [flags] [arguments]
//
// The commands:
//
//	demo     run the whole job against a built-in fake server (needs nothing but Go)
//	collect  collect an issued certificate and write cert.pem, chain.pem, fullchain.pem, root.pem, chain.p7b
//	status   show an order's status, validation details and CAA status
//	parse    read a captured response body and print it as JSON
//	serve    run the fake CollectSSL server until interrupted
//	trustico talk to Trustico's REST reseller API: "trustico status -order REF [-json]"
//
// Run "collectssl <command> -h" for the flags of a command. Try it first with
//
//	go run ./cmd/collectssl demo
//
// # Orders
//
// collect and status name the order with one of -order N (the order
// number), -certificate-id N or -base-order N, and talk to
// collectssl.DefaultEndpoint unless -endpoint URL says otherwise. -cacert
// FILE trusts the CA certificates in FILE (PEM) instead of the system's: use
// it with the CA file that "collectssl serve" writes.
//
// # Trustico
//
// "collectssl trustico status -order REF [-json]" shows a Trustico order's
// status and its certificate's status and dates, through package trustico.
// Its credentials come from TRUSTICO_CLIENT_ID and TRUSTICO_CLIENT_SECRET,
// or from -credentials FILE with client_id= and client_secret= lines, never
// from a flag; -endpoint, -token-url and -cacert work as for the CollectSSL
// commands. "trustico collect" waits for the live directory writer.
//
// # Credentials
//
// The account's login comes from the environment variables COLLECTSSL_LOGIN
// and COLLECTSSL_PASSWORD, or from a file named with -credentials FILE,
// never from a flag (flags end up in shell history and process listings).
// The file holds two lines (blank lines and lines starting with # are
// ignored):
//
//	login=myaccount
//	password=the password, verbatim to the end of the line
//
// loginName= and loginPassword= are accepted as key names too. The login has
// surrounding spaces removed; the password is taken as is (only a trailing
// carriage return is dropped). The file should be readable by its owner only
// (chmod 600): collectssl warns when it is not. The password is never printed.
//
// # Files
//
// collect writes, into -out DIR (the current directory by default; created
// with mode 0755 when missing), files of mode 0644:
//
//	cert.pem       the end-entity certificate
//	chain.pem      the intermediate certificates, the leaf's issuer first (not written when there are none)
//	fullchain.pem  cert.pem then chain.pem: what nginx, Apache and HAProxy serve
//	root.pem       the root, when the API delivered it
//	chain.p7b      the leaf and intermediates as DER PKCS#7, for IIS and Java
//
// Each file is written to a temporary file in the same directory, synced,
// then renamed over the old one, so a reader sees the old file or the new
// one, never half of one. A file that already holds the same bytes is left
// alone; collect refuses (and writes nothing, exit status 3) when a file
// holds something else, unless -force is given.
//
// A chain.pem or root.pem that the new bundle does not have (no
// intermediates, no root delivered) but that is already in DIR, from an
// earlier collection, counts as different too: left there, it could hold the
// chain of another certificate. Without -force collect refuses and names the
// file; with -force it removes the file once the new files are in place.
// When there was no such file before and there is none now, nothing is done.
//
// What the bundle left out (an expired cross-certificate, a duplicate, a
// stray CA) is printed on standard error as notes.
//
// # Exit status
//
//	0  success
//	1  the API said no: a negative status code (rejected, revoked, awaiting payment, ...)
//	2  usage error: an unknown flag, a missing order identifier, missing credentials, an invalid request,
//	   an unusable -endpoint (not a URL, no host, or not https while the host is not a loopback address)
//	3  failure: the server could not be reached or timed out, the response could not be read, files could
//	   not be written (or would have overwritten a different certificate, or left a stale chain.pem or root.pem)
//	4  not issued yet: the order is still being processed (collect without -wait, or -wait -timeout ran out)
//
// Errors are printed on standard error as one line starting "collectssl:".
package main
