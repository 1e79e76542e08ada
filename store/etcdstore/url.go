package etcdstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is the etcd client port assumed for a host given without one.
const DefaultPort = "2379"

// ParseURL parses an etcd store address:
//
//	etcd://host:2379,host2:2379          plain connections
//	etcds://host:2379?ca=ca.pem          TLS; system roots unless ca= is given
//	etcds://host?cert=c.pem&key=k.pem    TLS with a client certificate
//	etcd://host?prefix=/team-a/spuffbot  records under another prefix
//	etcd://host?lease=15s                claims and leadership outlive a dead replica by 15s
//
// A host without a port gets DefaultPort. The ca, cert and key parameters
// name PEM files, which ParseURL reads; they need the etcds scheme, and
// cert and key come together. lease sets Config.LeaseTTL, in whole seconds.
// The result has no DialTimeout or Now; Open fills in their defaults.
func ParseURL(s string) (Config, error) {
	cfg, err := parseURL(s)
	if err != nil {
		return Config{}, fmt.Errorf("etcdstore: parse url: %w", err)
	}
	return cfg, nil
}

func parseURL(s string) (Config, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Config{}, errors.New(`want etcd://host:port or etcds://host:port`)
	}
	secure := false
	switch strings.ToLower(scheme) {
	case "etcd":
	case "etcds":
		secure = true
	default:
		return Config{}, fmt.Errorf("scheme %q is not etcd or etcds", scheme)
	}
	rest, rawQuery, _ := strings.Cut(rest, "?")
	hosts, path, _ := strings.Cut(rest, "/")
	if path != "" {
		return Config{}, fmt.Errorf("path /%s is not supported; give a key prefix as prefix=", path)
	}
	if strings.Contains(hosts, "@") {
		// Said without repeating the URL, which holds a password.
		return Config{}, errors.New("user names and passwords in the url are not supported")
	}
	var cfg Config
	for h := range strings.SplitSeq(hosts, ",") {
		ep, err := endpoint(h)
		if err != nil {
			return Config{}, err
		}
		cfg.Endpoints = append(cfg.Endpoints, ep)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return Config{}, fmt.Errorf("query: %w", err)
	}
	for name, vals := range q {
		switch name {
		case "ca", "cert", "key", "prefix", "lease":
			if len(vals) > 1 {
				return Config{}, fmt.Errorf("parameter %s is given %d times", name, len(vals))
			}
		default:
			return Config{}, fmt.Errorf("unknown parameter %q (want ca, cert, key, prefix or lease)", name)
		}
	}
	if p := q.Get("prefix"); p != "" {
		if !strings.HasPrefix(p, "/") {
			return Config{}, fmt.Errorf("prefix %q does not start with /", p)
		}
		cfg.Prefix = p
	}
	if l := q.Get("lease"); l != "" {
		d, err := time.ParseDuration(l)
		if err != nil || d < time.Second || d%time.Second != 0 {
			return Config{}, fmt.Errorf("lease %q is not a whole number of seconds, at least 1s (example: 10s)", l)
		}
		cfg.LeaseTTL = d
	}
	ca, cert, key := q.Get("ca"), q.Get("cert"), q.Get("key")
	if !secure {
		if ca != "" || cert != "" || key != "" {
			return Config{}, errors.New("ca, cert and key need the etcds scheme")
		}
		return cfg, nil
	}
	if cfg.TLS, err = tlsConfig(ca, cert, key); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// endpoint checks one "host[:port]" and adds DefaultPort if it has none.
func endpoint(h string) (string, error) {
	if h == "" {
		return "", errors.New("empty host")
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		// No port: a plain name, an IPv4 address or a bracketed IPv6 one.
		host, port = h, DefaultPort
		if inner, ok := strings.CutPrefix(h, "["); ok && strings.HasSuffix(inner, "]") {
			host = strings.TrimSuffix(inner, "]")
		} else if strings.ContainsAny(h, ":[]") {
			return "", fmt.Errorf("host %q: %w", h, err)
		}
	}
	if host == "" {
		return "", fmt.Errorf("host %q has no name", h)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("host %q: port %q is not a number from 1 to 65535", h, port)
	}
	return net.JoinHostPort(host, port), nil
}

// tlsConfig builds the client TLS configuration from PEM files: ca, when
// set, replaces the system roots; cert and key are the client certificate.
func tlsConfig(ca, cert, key string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("read ca: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca %s holds no PEM certificate", ca)
		}
	}
	if (cert == "") != (key == "") {
		return nil, errors.New("cert and key must be given together")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
