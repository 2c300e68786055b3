package main

import (
	"bytes"
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestRunUntilSignal starts the pump binary's run against pd-lite and stops
// it with two SIGTERMs: the node goes online, then paused.
func TestRunUntilSignal(t *testing.T) {
	// the in-process pd-lite's etcd logs through gRPC's logger, which run
	// must not replace while it does (a data race)
	was := setLibraryLoggers
	setLibraryLoggers = func(*zap.Logger) {}
	defer func() { setLibraryLoggers = was }()
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	reg := registry.New(cli, nil)
	state := func() string {
		st, err := reg.Node(context.Background(), registry.KindPump, "pump-main")
		if err != nil {
			return ""
		}
		return st.State
	}

	exit := make(chan int, 1)
	var stdout, stderr bytes.Buffer
	go func() {
		exit <- run([]string{
			"-L", "error", "-addr", "127.0.0.1:0", "-pd-urls", pd.ClientURL(),
			"-data-dir", filepath.Join(t.TempDir(), "pump"), "-node-id", "pump-main",
		}, &stdout, &stderr)
	}()
	require.Eventually(t, func() bool { return state() == registry.Online }, 20*time.Second, 20*time.Millisecond)
	// run has installed its signal handler before registering online.
	// two signals in the same millisecond (as timeout sends them): the
	// second is ignored while the pump closes and records its state
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case code := <-exit:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("pump did not exit on SIGTERM")
	}
	require.Equal(t, registry.Paused, state())
}
