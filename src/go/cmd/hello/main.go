// hello is pure Go: no cgo anywhere in its graph (scenario ⑥).
package main

import (
	"fmt"
	"os"

	"example.com/monorepo/internal/greet"
	"example.com/monorepo/internal/lookup"
)

// version is set at link time through the target's `x_defs` field.
var version = "dev"

func main() {
	fmt.Println(greet.Line("hello", "pure Go, version "+version))
	fmt.Println(lookup.Report())
	// Arguments come from `pants run ... -- ARGS` or `docker run IMAGE ARGS`.
	if len(os.Args) > 1 {
		fmt.Printf("args: %q\n", os.Args[1:])
	}
}
