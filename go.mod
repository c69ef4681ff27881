module github.com/collectssl/collectssl

go 1.25

require github.com/google/go-cmp v0.7.0

require go.mozilla.org/pkcs7 v0.10.0
