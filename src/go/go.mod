module example.com/monorepo

go 1.26.0

require (
	github.com/DataDog/zstd v1.5.7
	github.com/google/uuid v1.6.0
	github.com/mattn/go-sqlite3 v1.14.53
	golang.org/x/crypto/x509roots/fallback v0.0.0-20261030153154-30a33513ff6d
)
