package config

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAddressHelpers(t *testing.T) {
	require.Equal(t, "127.0.0.1:8250", StripScheme("http://127.0.0.1:8250/"))
	require.Equal(t, "127.0.0.1:8250", StripScheme("127.0.0.1:8250"))
	require.Equal(t, "http://h:1", WithHTTP("h:1"))
	require.Equal(t, "https://h:1", WithHTTP("https://h:1"))

	require.NoError(t, CheckHostPort("addr", "0.0.0.0:8250", false))
	require.ErrorContains(t, CheckHostPort("advertise-addr", "0.0.0.0:8250", true), "reachable host")
	require.ErrorContains(t, CheckHostPort("addr", "nohost", false), "not host:port")
	require.ErrorContains(t, CheckHostPort("addr", "h:99999", false), "invalid port")

	require.NoError(t, CheckURLs("pd-urls", []string{"127.0.0.1:2379", "https://pd:2379"}, true))
	require.ErrorContains(t, CheckURLs("pd-urls", nil, true), "pd-urls is empty")
	require.NoError(t, CheckURLs("tidb-status-urls", nil, false))
	require.ErrorContains(t, CheckURLs("pd-urls", []string{"ftp://x:1"}, true), "invalid URL")

	red := RedactURLs([]string{"http://u:secret@h:1", "h:2"})
	require.NotContains(t, red, "secret")
	require.Contains(t, red, "http://u:")
	require.Contains(t, red, "@h:1,h:2")
}

func TestAdvertisedAddr(t *testing.T) {
	for _, c := range []struct{ advertise, real, want string }{
		{"10.0.0.1:0", "0.0.0.0:41234", "10.0.0.1:41234"},
		{"10.0.0.1:8250", "0.0.0.0:41234", "10.0.0.1:8250"},
		{"bad", "0.0.0.0:41234", "bad"},
		{"10.0.0.1:0", "bad", "10.0.0.1:0"},
	} {
		if got := AdvertisedAddr(c.advertise, c.real); got != c.want {
			t.Errorf("AdvertisedAddr(%q, %q) = %q, want %q", c.advertise, c.real, got, c.want)
		}
	}
}

func TestDefaultListenAddr(t *testing.T) {
	host, port, err := net.SplitHostPort(DefaultListenAddr(8250))
	if err != nil || port != "8250" || net.ParseIP(host).To4() == nil {
		t.Fatalf("DefaultListenAddr(8250) = %q:%q (%v), want an IPv4 host and port 8250", host, port, err)
	}
}
