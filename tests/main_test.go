//go:build integration

package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

// binDir holds the binaries under test, built by `make build`.
var binDir string

func TestMain(m *testing.M) {
	dir, err := filepath.Abs(filepath.Join("..", "bin"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, b := range []string{"pd-lite", "pump", "tidb-lite"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			fmt.Fprintf(os.Stderr, "integration tests need %s: run `make build` first (%v)\n", b, err)
			os.Exit(2)
		}
	}
	binDir = dir
	pd.SetClientLogger(zap.NewNop())
	os.Exit(m.Run())
}
