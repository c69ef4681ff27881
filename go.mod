module github.com/collectssl/collectssl

go 1.25.0

require (
	github.com/google/go-cmp v0.7.0
	go.mozilla.org/pkcs7 v0.10.0
	golang.org/x/oauth2 v0.36.0
	golang.org/x/text v0.41.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require golang.org/x/crypto v0.11.0 // indirect
