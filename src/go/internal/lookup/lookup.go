// Package lookup exercises std's two NSS-backed paths: host lookup (net) and user lookup
// (os/user). Under cgo with glibc these call getaddrinfo/getpwuid_r, which is exactly what makes
// a "static" glibc binary load libnss_*.so at run time.
package lookup

import (
	"fmt"
	"net"
	"os/user"
)

// Report resolves localhost and the current user, and describes the outcome.
func Report() string {
	hosts, err := net.LookupHost("localhost")
	hostPart := fmt.Sprintf("localhost -> %v", hosts)
	if err != nil {
		hostPart = fmt.Sprintf("localhost lookup failed: %v", err)
	}
	userPart := "user lookup failed"
	if u, err := user.Current(); err == nil {
		userPart = "uid " + u.Uid + " is " + u.Username
	}
	return hostPart + "; " + userPart
}
