package tidblite

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

const waitFor, tick = 20 * time.Second, 20 * time.Millisecond

// startStandalone starts a tidb-lite without PD on free ports.
func startStandalone(t *testing.T, change ...func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr, cfg.StatusAddr = "127.0.0.1:0", "127.0.0.1:0"
	for _, f := range change {
		f(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openDB connects go-sql-driver/mysql to a server, on database db.
func openDB(t *testing.T, s *Server, db string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("mysql", "root@tcp("+s.Addr()+")/"+db+"?parseTime=true&loc=UTC")
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func mustExec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
}

// jobs returns the DDL history of a server.
func jobs(t *testing.T, s *Server) []*model.Job {
	t.Helper()
	js, err := s.meta.jobsAfter(context.Background(), 0)
	require.NoError(t, err)
	return js
}

func lastJob(t *testing.T, s *Server) *model.Job {
	t.Helper()
	js := jobs(t, s)
	require.NotEmpty(t, js)
	return js[len(js)-1]
}

// httpGet returns the status code and body of a GET.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func httpPost(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
