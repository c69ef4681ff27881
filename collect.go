// Package collectssl is a client for Sectigo's CollectSSL API: the call that
// fetches the status and the issued certificates of an order.
//
// A Request names the order and how the answer should look; Request.Form
// turns it into the exact POST the API expects, refusing invalid combinations
// before anything is sent. ParseResponse reads either response format (and a
// bare binary container) into one typed Result; DecodeCertificates reads every
// certificate container the API can hand back; NewBundle orders certificates
// into leaf, intermediates and root and writes the files servers want.
//
// # Limits
//
// Every input from the network or a file is bounded. The limits are listed
// here as the package grows; every error from exceeding one matches
// ErrTooLarge.
//
// DecodeCertificates (and everything that decodes a certificate container):
//   - input: 4 MiB (a real answer is 2 to 20 KiB); a declared BER length
//     may not exceed it either;
//   - decoded text: 4 MiB from one base64 or UTF-16 decoding step;
//   - nesting: 16 levels of BER elements (a certificate in a PKCS#7 sits at
//     level 5);
//   - certificates: 512 per container;
//   - ZIP archives: 256 entries; 1 MiB per entry, as declared and as
//     actually inflated; 8 MiB inflated from one archive in total. ZIP
//     archives do not nest, and nothing in them is ever written to disk.
//
// # Errors
//
// A negative status code is a *StatusError (errors.Is matches ErrRejected,
// ErrRevoked, ErrAwaitingPayment, ErrPermissionDenied, ... by code); a body
// that is not a valid response is a *ParseError (matches
// ErrMalformedResponse); an input over a limit matches ErrTooLarge; a request
// that breaks a rule of the specification matches ErrInvalidRequest and is
// never sent. Every error string starts with "collectssl:" and none contains
// the account password.
package collectssl
