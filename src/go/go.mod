module example.com/monorepo

go 1.26

require (
	github.com/DataDog/zstd v1.5.7
	github.com/google/uuid v1.6.0
	github.com/mattn/go-sqlite3 v1.14.53
)
