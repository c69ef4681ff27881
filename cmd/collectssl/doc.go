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
//	collect  collect an issued certificate and install it in a live directory
//	status   show an order's status, validation details and CAA status
//	parse    read a captured response body and print it as JSON
//	serve    run the fake CollectSSL server until interrupted
//	trustico talk to Trustico's REST reseller API: "trustico collect" and "trustico status"
//	version  print the version, from the build information
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
// "collectssl trustico collect -order REF [-out DIR ...]" collects a Trustico
// order's certificate (GetOrderDetails, through package trustico) into the
// live directory exactly as collect does, with the same renewal rule, lock,
// -force, -keep, -key, -p12, -deploy-hook, -json and exit codes (4 when the
// order is not issued yet). "collectssl trustico status -order REF [-json]"
// shows the order's status and its certificate's status and dates. The
// credentials come from TRUSTICO_CLIENT_ID and TRUSTICO_CLIENT_SECRET, or
// from -credentials FILE with client_id= and client_secret= lines, never
// from a flag; -endpoint, -token-url and -cacert say where to call. demo
// collects one order from a fake Trustico server too, into DIR/trustico.
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
// collect installs the certificate in the live directory -out DIR (the
// current directory by default) through package certdir: the files
// (cert.pem, chain.pem, fullchain.pem, root.pem when delivered, chain.p7b;
// with -key privkey.pem and combined.pem; with -p12 cert.p12) go into a new
// version directory DIR/versions/NNNN, and one rename of the link DIR/current
// makes the whole set live. The stable names DIR/cert.pem, ... are links
// through current. The previous version stays (-keep). certdir's package
// documentation has the layout, the renewal rule and the lock.
//
// Without -force, a certificate for the same names with a later notBefore
// replaces the live one; the same certificate again changes nothing (exit
// status 5); another name set or an older certificate is refused (exit
// status 3). A second collect into DIR waits for the first.
//
// -deploy-hook CMD runs /bin/sh -c CMD after the live set changed, with
// RENEWED_LINEAGE, RENEWED_DOMAINS, COLLECTSSL_CHANGE, COLLECTSSL_VERSION and
// COLLECTSSL_PREVIOUS set, and the passwords removed from its environment.
// -key FILE is checked against the certificate before anything is written.
// The PKCS#12 password comes from COLLECTSSL_P12_PASSWORD or
// -p12-password-file FILE. Every file read must be a regular file: a named
// pipe is refused at once.
//
// What the bundle left out (an expired cross-certificate, a duplicate, a
// stray CA) is printed on standard error as notes. With -wait, each poll
// prints its status and when the next poll is on standard error; -q
// silences that, -v logs every call (the password redacted).
//
// # Exit status
//
//	0    success; for collect, the live set changed
//	1    the API said no: a negative status code (rejected, revoked, awaiting payment, ...)
//	2    usage error: an unknown flag, a missing order identifier, missing credentials, an invalid request,
//	     an unusable -endpoint (not a URL, no host, or not https while the host is not a loopback address),
//	     an unreadable -key
//	3    failure: the server could not be reached or timed out, the response could not be read, files could
//	     not be written; collect refused by the renewal rule, or a key that does not match
//	4    not issued yet: the order is still being processed (collect without -wait, or -wait -timeout ran out)
//	5    collect: unchanged, the same certificate is already live
//	6    collect: the live set changed, but the deploy hook failed
//	130  interrupted by SIGINT
//	143  terminated by SIGTERM
//
// Errors are printed on standard error as one line starting "collectssl:".
package main
