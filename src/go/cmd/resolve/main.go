// resolve has no cgo code of its own, but asks for the C library's resolver (scenario ③).
package main

import (
	"fmt"

	"example.com/monorepo/internal/greet"
	"example.com/monorepo/internal/lookup"
)

func main() {
	fmt.Println(greet.Line("resolve", "std net and os/user through the C library"))
	fmt.Println(lookup.Report())
}
