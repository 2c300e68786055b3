package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Drainer is a drainer process.
type Drainer struct {
	*Process
	Addr    string
	DataDir string
	NodeID  string
}

// DrainerOptions are the knobs tests set on a drainer.
type DrainerOptions struct {
	TOML      string   // config file content ([syncer] and [syncer.to] usually)
	ExtraArgs []string // extra flags
	NoWait    bool     // return once started, without waiting for the HTTP API
}

// StartDrainer starts bin/drainer on a free loopback port, registered in
// pd, and waits for its HTTP API.
func StartDrainer(ctx context.Context, binDir, dir string, pd *PDLite, name string, o DrainerOptions) (*Drainer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	ddir := filepath.Join(dir, name)
	if err := os.MkdirAll(ddir, 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(ddir, "drainer.toml")
	if err := os.WriteFile(conf, []byte(o.TOML), 0o644); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"-config", conf, "-addr", addr, "-advertise-addr", addr, "-pd-urls", pd.URL,
		"-node-id", name, "-data-dir", filepath.Join(ddir, "data"), "-log-file", filepath.Join(ddir, "drainer.log")}
	d := &Drainer{Addr: addr, DataDir: filepath.Join(ddir, "data"), NodeID: name, Process: &Process{
		Name: name, Bin: filepath.Join(binDir, "drainer"), Dir: ddir, Args: append(args, o.ExtraArgs...),
	}}
	if o.NoWait {
		return d, d.Start()
	}
	if err := d.StartReady(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// StartReady starts (or restarts) the drainer and waits for its /status.
func (d *Drainer) StartReady(ctx context.Context) error {
	if err := d.Start(); err != nil {
		return err
	}
	return d.WaitReady(ctx, "http://"+d.Addr+"/status", readyTimeout)
}

// WriteConfig replaces the drainer's config file (used at the next start).
func (d *Drainer) WriteConfig(toml string) error {
	return os.WriteFile(filepath.Join(d.Dir, "drainer.toml"), []byte(toml), 0o644)
}

// Exited waits up to timeout for the process to exit by itself.
func (d *Drainer) Exited(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !d.Running() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
