// paris converts a fixed instant to Europe/Paris time. In a FROM scratch image there is no
// /usr/share/zoneinfo, so it works only with Go's zone database built in (tzdata="embed").
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Println("paris:", err)
		os.Exit(1)
	}
	noon := time.Date(2026, time.July, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println("paris: 12:00 UTC is", noon.In(loc).Format("15:04 MST"), "in", loc)
}
