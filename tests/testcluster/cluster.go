package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// readyTimeout bounds how long a daemon may take to answer after start.
const readyTimeout = 30 * time.Second

// PDLite is a pd-lite process.
type PDLite struct {
	*Process
	URL string
}

// StartPDLite starts bin/pd-lite on free loopback ports with data in dir/pd.
func StartPDLite(ctx context.Context, binDir, dir string) (*PDLite, error) {
	client, err := FreePort()
	if err != nil {
		return nil, err
	}
	peer, err := FreePort()
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", client)
	p := &PDLite{URL: url, Process: &Process{
		Name: "pd-lite", Bin: filepath.Join(binDir, "pd-lite"), Dir: dir,
		Args: []string{"-client-urls", url, "-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peer),
			"-data-dir", filepath.Join(dir, "pd"), "-log-file", filepath.Join(dir, "pd-lite.log")},
	}}
	if err := p.StartReady(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// StartReady starts (or restarts) pd-lite and waits for /health.
func (p *PDLite) StartReady(ctx context.Context) error {
	if err := p.Start(); err != nil {
		return err
	}
	return p.WaitReady(ctx, p.URL+"/health", readyTimeout)
}

// Pump is a pump process.
type Pump struct {
	*Process
	Addr    string
	DataDir string
}

// PumpOptions are the knobs tests set on a pump; TOML is written to a config file.
type PumpOptions struct {
	TOML      string   // extra config file content
	ExtraArgs []string // extra flags
}

// StartPump starts bin/pump on a free loopback port, registered in pd.
func StartPump(ctx context.Context, binDir, dir string, pd *PDLite, name string, o PumpOptions) (*Pump, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pumpDir := filepath.Join(dir, name)
	if err := os.MkdirAll(pumpDir, 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(pumpDir, "pump.toml")
	if err := os.WriteFile(conf, []byte(o.TOML), 0o644); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"-config", conf, "-addr", addr, "-advertise-addr", addr, "-pd-urls", pd.URL,
		"-node-id", name, "-data-dir", filepath.Join(pumpDir, "data"), "-log-file", filepath.Join(pumpDir, "pump.log")}
	p := &Pump{Addr: addr, DataDir: filepath.Join(pumpDir, "data"), Process: &Process{
		Name: name, Bin: filepath.Join(binDir, "pump"), Dir: pumpDir, Args: append(args, o.ExtraArgs...),
	}}
	if err := p.StartReady(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// StartReady starts (or restarts) the pump and waits for its /status.
func (p *Pump) StartReady(ctx context.Context) error {
	if err := p.Start(); err != nil {
		return err
	}
	return p.WaitReady(ctx, "http://"+p.Addr+"/status", readyTimeout)
}

// TiDBLite is a tidb-lite process.
type TiDBLite struct {
	*Process
	MySQLAddr string // host:port of the MySQL protocol
	StatusURL string
}

// StartTiDBLite starts bin/tidb-lite with binlog enabled against pd.
func StartTiDBLite(ctx context.Context, binDir, dir string, pd *PDLite, name string, extra ...string) (*TiDBLite, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	status, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-host", "127.0.0.1", "-P", fmt.Sprint(port), "-status", fmt.Sprint(status),
		"-path", strings.TrimPrefix(pd.URL, "http://"), "-enable-binlog", "-L", "warn"}
	t := &TiDBLite{
		MySQLAddr: fmt.Sprintf("127.0.0.1:%d", port),
		StatusURL: fmt.Sprintf("http://127.0.0.1:%d", status),
		Process: &Process{Name: name, Bin: filepath.Join(binDir, "tidb-lite"), Dir: filepath.Join(dir, name),
			Args: append(args, extra...)},
	}
	if err := t.Start(); err != nil {
		return nil, err
	}
	if err := t.WaitReady(ctx, t.StatusURL+"/status", readyTimeout); err != nil {
		return nil, err
	}
	return t, nil
}
