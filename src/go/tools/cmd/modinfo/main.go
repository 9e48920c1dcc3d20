// modinfo lives in its own module (src/go/tools), which reaches the main module through a
// local `replace example.com/monorepo => ../` directive.
package main

import (
	"fmt"
	"runtime/debug"

	"example.com/monorepo/internal/greet"
)

func main() {
	info, _ := debug.ReadBuildInfo()
	fmt.Println(greet.Line("modinfo", "module "+info.Main.Path+" via a local replace"))
}
