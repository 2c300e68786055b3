package registry

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// Etcd client settings (SPEC 3).
const (
	DefaultDialTimeout      = 5 * time.Second
	DefaultAutoSyncInterval = 30 * time.Second
)

// ErrNoEndpoints is returned when no usable URL is given.
var ErrNoEndpoints = errors.New("registry: no etcd endpoints")

// NewEtcdClient connects to etcd (PD) at urls. Each element may itself be a
// comma-separated list; a URL without a scheme gets http:// (https:// when
// tlsCfg is set), and with tlsCfg set http:// is upgraded to https://.
// It fails when no endpoint answers within DefaultDialTimeout.
func NewEtcdClient(urls []string, tlsCfg *tls.Config, lg *zap.Logger) (*clientv3.Client, error) {
	eps, err := NormalizeURLs(urls, tlsCfg != nil)
	if err != nil {
		return nil, err
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:        eps,
		DialTimeout:      DefaultDialTimeout,
		AutoSyncInterval: DefaultAutoSyncInterval,
		TLS:              tlsCfg,
		Logger:           lg.With(zap.String("component", "etcdClient")),
		DialOptions:      []grpc.DialOption{grpc.WithConnectParams(reconnectParams())},
	})
	if err != nil {
		return nil, fmt.Errorf("connect etcd %s: %w", strings.Join(eps, ","), err)
	}
	return cli, nil
}

// NormalizeURLs splits comma-separated lists, trims blanks and adds or
// upgrades the scheme as NewEtcdClient describes.
func NormalizeURLs(urls []string, secure bool) ([]string, error) {
	var eps []string
	for _, u := range urls {
		for _, part := range strings.Split(u, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			eps = append(eps, withScheme(part, secure))
		}
	}
	if len(eps) == 0 {
		return nil, ErrNoEndpoints
	}
	return eps, nil
}

func withScheme(u string, secure bool) string {
	scheme, rest, found := strings.Cut(u, "://")
	if !found {
		scheme, rest = "http", u
	}
	if secure && scheme == "http" {
		scheme = "https"
	}
	return scheme + "://" + rest
}

// reconnectParams replaces gRPC's default reconnect backoff (up to 120 s
// between attempts), so that clients resume within a few seconds after PD restarts.
func reconnectParams() grpc.ConnectParams {
	return grpc.ConnectParams{
		Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
		MinConnectTimeout: DefaultDialTimeout,
	}
}
