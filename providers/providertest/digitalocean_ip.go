package providertest

// SetPublicIP makes droplets that boot from now on get ip as their public
// IPv4 instead of one from TEST-NET-3: a loopback address where a test
// runs a real server (an ssh server, say) makes the droplet reachable.
func (e *DigitalOcean) SetPublicIP(ip string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.publicIP = ip
}
