package demo

import "fmt"

// hosts is the number of usable addresses in 203.0.113.0/24 (.1 to .254).
const hosts = 254

// ipPool hands out public IPv4 addresses from 203.0.113.0/24, the range
// RFC 5737 reserves for documentation, so that no demo address is ever
// someone's real machine. Addresses are handed out round-robin, so a
// released one is not reused at once. The zero value is ready to use; it
// is guarded by Provider.mu.
type ipPool struct {
	used [hosts + 1]bool // indexed by host number, 1..254
	last int             // host number handed out last
}

// take returns a free host number, or false when all are taken.
func (p *ipPool) take() (int, bool) {
	for i := 1; i <= hosts; i++ {
		h := (p.last+i-1)%hosts + 1
		if !p.used[h] {
			p.used[h] = true
			p.last = h
			return h, true
		}
	}
	return 0, false
}

// release makes host free again.
func (p *ipPool) release(host int) { p.used[host] = false }

// ipv4 returns the address of host number h.
func ipv4(h int) string { return fmt.Sprintf("203.0.113.%d", h) }
