module github.com/collectssl/collectssl

go 1.25.0

require (
	github.com/google/go-cmp v0.7.0 // indirect
	go.mozilla.org/pkcs7 v0.10.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
