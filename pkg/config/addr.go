package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// StripScheme drops a leading "scheme://" and a trailing slash:
// "http://127.0.0.1:8250/" becomes "127.0.0.1:8250".
func StripScheme(addr string) string {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		return strings.TrimSuffix(rest, "/")
	}
	return addr
}

// WithHTTP adds "http://" to an address without a scheme.
func WithHTTP(u string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return "http://" + u
}

// CheckHostPort checks that the value of key is host:port with a valid
// port; an advertised address must also name a reachable host (not empty,
// not 0.0.0.0).
func CheckHostPort(key, addr string, advertise bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port", key, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%s %q has an invalid port", key, addr)
	}
	if advertise {
		ip := net.ParseIP(host)
		if host == "" || (ip != nil && ip.IsUnspecified()) {
			return fmt.Errorf("%s %q must name a reachable host, not 0.0.0.0 or an empty host", key, addr)
		}
	}
	return nil
}

// CheckURLs checks that every value of key is an http(s) URL (a missing
// scheme means http); required means the list may not be empty.
func CheckURLs(key string, urls []string, required bool) error {
	if required && len(urls) == 0 {
		return fmt.Errorf("%s is empty", key)
	}
	for _, raw := range urls {
		u, err := url.Parse(WithHTTP(raw))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("%s has an invalid URL %q", key, raw)
		}
	}
	return nil
}

// RedactURLs joins urls with commas, hiding the password of any
// user:password they carry.
func RedactURLs(urls []string) string {
	out := make([]string, 0, len(urls))
	for _, raw := range urls {
		if u, err := url.Parse(WithHTTP(raw)); err == nil && u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				u.User = url.UserPassword(u.User.Username(), Redact("x"))
				raw = u.String()
			}
		}
		out = append(out, raw)
	}
	return strings.Join(out, ",")
}

// DefaultListenAddr returns <first non-loopback IPv4>:port, or
// 127.0.0.1:port when the host has none: the default addr of pump and
// drainer, as the original's.
func DefaultListenAddr(port int) string {
	host := "127.0.0.1"
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
				host = ipn.IP.String()
				break
			}
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// AdvertisedAddr fills a zero port in advertise with the port of real, the
// address the daemon actually listens on (a listen addr with port 0 picks a
// free port).
func AdvertisedAddr(advertise, real string) string {
	host, port, err := net.SplitHostPort(advertise)
	if err != nil || port != "0" {
		return advertise
	}
	_, realPort, err := net.SplitHostPort(real)
	if err != nil {
		return advertise
	}
	return net.JoinHostPort(host, realPort)
}
