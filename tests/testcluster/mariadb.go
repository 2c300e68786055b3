package testcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// ErrNoMariaDB is returned when the machine has no mariadbd or
// mariadb-install-db: a private MariaDB cannot be started.
var ErrNoMariaDB = errors.New("testcluster: mariadbd or mariadb-install-db not found")

// mariadbdPaths are where the server binary lives on Debian and elsewhere.
var mariadbdPaths = []string{"/usr/sbin/mariadbd", "/usr/libexec/mariadbd", "/usr/local/bin/mariadbd"}

// MariaDB is a private MariaDB server owned by a test: its own data
// directory, socket and loopback port, root without a password. Stop and
// StartReady restart it on the same port and data directory.
type MariaDB struct {
	*Process
	Port    int
	Socket  string
	DataDir string
	sockDir string
}

// FindMariaDB returns the paths of mariadbd and mariadb-install-db, or
// ErrNoMariaDB.
func FindMariaDB() (server, installDB string, err error) {
	for _, p := range mariadbdPaths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			server = p
			break
		}
	}
	if server == "" {
		if p, err := exec.LookPath("mariadbd"); err == nil {
			server = p
		}
	}
	installDB, lookErr := exec.LookPath("mariadb-install-db")
	if server == "" || lookErr != nil {
		return "", "", ErrNoMariaDB
	}
	return server, installDB, nil
}

// StartMariaDB initialises a data directory under dir and starts mariadbd
// on a free loopback port. The socket lives in a short directory of its own
// (a unix socket path is limited to 108 bytes); Remove deletes it.
func StartMariaDB(ctx context.Context, dir string) (*MariaDB, error) {
	server, installDB, err := FindMariaDB()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "mariadb-data")
	args := []string{"--no-defaults", "--datadir=" + dataDir, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root") // mariadbd refuses to run as root otherwise
	}
	if out, err := exec.CommandContext(ctx, installDB, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	sockDir, err := os.MkdirTemp("", "mdb")
	if err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	m := &MariaDB{Port: port, Socket: filepath.Join(sockDir, "mysqld.sock"), DataDir: dataDir, sockDir: sockDir}
	srvArgs := []string{"--no-defaults", "--datadir=" + dataDir, "--socket=" + m.Socket,
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--pid-file=" + filepath.Join(sockDir, "mysqld.pid"), "--log-error=" + filepath.Join(dir, "mariadb.err"),
		"--innodb-buffer-pool-size=128M", "--max-connections=500"}
	if os.Geteuid() == 0 {
		srvArgs = append(srvArgs, "--user=root")
	}
	m.Process = &Process{Name: "mariadbd", Bin: server, Dir: dir, Args: srvArgs}
	if err := m.StartReady(ctx); err != nil {
		_ = m.Stop(30 * time.Second)
		m.Remove()
		return nil, err
	}
	return m, nil
}

// DSN returns a go-sql-driver DSN for root over TCP.
func (m *MariaDB) DSN(db string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", m.Port, db)
}

// StartReady starts (or restarts) mariadbd and polls until its socket
// exists and its port accepts connections.
func (m *MariaDB) StartReady(ctx context.Context) error {
	if err := m.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Port))
	for {
		if _, err := os.Stat(m.Socket); err == nil {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return nil
			}
		}
		if !m.Running() {
			return fmt.Errorf("mariadbd exited at start: %s\n%s", m.Output(), m.ErrorLog())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: mariadbd on port %d\n%s", ErrNotReady, m.Port, m.ErrorLog())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ErrorLog returns the server's error log (for failure messages).
func (m *MariaDB) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(m.Dir, "mariadb.err"))
	return string(b)
}

// Remove deletes the socket directory; the data directory is under the
// caller's dir.
func (m *MariaDB) Remove() { _ = os.RemoveAll(m.sockDir) }
