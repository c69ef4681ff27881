module github.com/collectssl/collectssl

go 1.25
