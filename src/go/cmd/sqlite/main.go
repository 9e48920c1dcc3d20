// sqlite links github.com/mattn/go-sqlite3, a cgo library that bundles SQLite's C amalgamation.
// By default go-sqlite3 compiles sqlite3_load_extension, which calls dlopen: scenario ④ under
// both glibc and musl. The build tag sqlite_omit_load_extension compiles that out (scenario ⑤).
package main

import (
	"database/sql"
	"fmt"

	_ "github.com/mattn/go-sqlite3"

	"example.com/monorepo/internal/greet"
)

func main() {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow("select sqlite_version()").Scan(&version); err != nil {
		panic(err)
	}
	fmt.Println(greet.Line("sqlite", "SQLite "+version+" in memory"))
}
