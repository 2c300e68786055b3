package pump

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
)

// nodeIDFile holds the node ID inside the data directory.
const nodeIDFile = ".node"

// resolveNodeID returns the node ID: the content of <dataDir>/.node when it
// exists (it wins over the flag, with a warning), else the flag, else
// hostname:port, which is then written to <dataDir>/.node.
func resolveNodeID(dataDir, flagID, listenAddr string, lg *zap.Logger) (string, error) {
	path := filepath.Join(dataDir, nodeIDFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(b)) != "":
		id := strings.TrimSpace(string(b))
		if flagID != "" && flagID != id {
			lg.Warn("node id in the data directory wins over the configured one; delete the .node file to change it",
				zap.String("file", path), zap.String("nodeID", id), zap.String("configured", flagID))
		}
		return id, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read node id: %w", err)
	}
	if flagID != "" {
		return flagID, nil
	}
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("generate node id: %w", err)
	}
	_, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("generate node id from %q: %w", listenAddr, err)
	}
	id := host + ":" + port
	if err := os.WriteFile(path, []byte(id), 0o644); err != nil {
		return "", fmt.Errorf("write node id: %w", err)
	}
	return id, nil
}

// tso returns a fresh timestamp from PD.
func (s *Server) tso(ctx context.Context) (int64, error) {
	begin := time.Now()
	ts, err := s.pd.TSO(ctx)
	if err != nil {
		return 0, fmt.Errorf("get tso: %w", err)
	}
	if d := time.Since(begin); d > 30*time.Millisecond {
		s.lg.Warn("get timestamp too slow", zap.Duration("took", d))
	}
	return ts, nil
}
