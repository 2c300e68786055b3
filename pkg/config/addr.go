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
