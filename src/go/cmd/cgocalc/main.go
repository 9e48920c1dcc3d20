// cgocalc links the repo's own cgo package (internal/cmath). Its BUILD targets build it with
// musl and with glibc (scenario ⑤), and as a static-pie.
package main

import (
	"fmt"

	"example.com/monorepo/internal/cmath"
	"example.com/monorepo/internal/greet"
	"example.com/monorepo/internal/lookup"
)

func main() {
	fmt.Println(greet.Line("cgocalc", cmath.Describe(6, 7)))
	fmt.Println(lookup.Report())
}
