package loader

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DBConfig describes a downstream MySQL-compatible server.
type DBConfig struct {
	Host     string
	Port     int
	User     string
	Password string
	// TLS, when not nil, is used for every connection.
	TLS *tls.Config
	// Params are session variables set on every connection (values as SQL
	// literals, e.g. "'+08:00'" or "1"); unknown ones are dropped.
	// time_zone defaults to the downstream's current UTC offset.
	Params map[string]string
	// ReadTimeout bounds every read from the server (0: none).
	ReadTimeout time.Duration
	// SQLMode, when not nil, is the session sql_mode.
	SQLMode *string
}

// String describes the config without its password.
func (c DBConfig) String() string {
	return fmt.Sprintf("%s@%s", c.User, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
}

// defaultSessionVars are tried on every downstream and kept when known.
var defaultSessionVars = [][2]string{
	{"allow_auto_random_explicit_insert", "1"},
	{"tidb_txn_mode", "'optimistic'"},
	{"tidb_placement_mode", "'ignore'"},
}

// errUnknownSystemVariable is MySQL's ER_UNKNOWN_SYSTEM_VARIABLE.
const errUnknownSystemVariable = 1193

// OpenDB opens the downstream with the DSN of the original loader
// (utf8mb4, interpolated parameters, multi-statements, read timeout,
// optional sql_mode and TLS) and the session variables that the server
// knows: the defaults for TiDB, then cfg.Params. The time zone is
// cfg.Params["time_zone"] or else the server's current offset; SYSTEM and
// Local are rejected because they are ambiguous across hosts.
func OpenDB(cfg DBConfig) (*sql.DB, error) {
	base, err := baseConfig(cfg)
	if err != nil {
		return nil, err
	}
	probe, err := openWith(base)
	if err != nil {
		return nil, err
	}
	defer probe.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	params, err := sessionParams(ctx, probe, cfg.Params)
	if err != nil {
		return nil, err
	}
	final := base.Clone()
	for k, v := range params {
		final.Params[k] = v
	}
	db, err := openWith(final)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("loader: ping downstream %s: %w", cfg, err)
	}
	return db, nil
}

func baseConfig(cfg DBConfig) (*mysql.Config, error) {
	q := "charset=utf8mb4,utf8&interpolateParams=true&multiStatements=true"
	if cfg.ReadTimeout > 0 {
		q += "&readTimeout=" + cfg.ReadTimeout.String()
	}
	dsn := fmt.Sprintf("tcp(%s)/?%s", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), q)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("loader: build DSN: %w", err)
	}
	mc.User, mc.Passwd = cfg.User, cfg.Password
	mc.TLS = cfg.TLS
	// The driver logs broken connections on its own; the loader reports
	// them when it retries.
	mc.Logger = mysql.Logger(discard{})
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if cfg.SQLMode != nil {
		mc.Params["sql_mode"] = quoteLiteral(*cfg.SQLMode)
	}
	return mc, nil
}

func openWith(mc *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("loader: downstream connector: %w", err)
	}
	return sql.OpenDB(conn), nil
}

// sessionParams returns the session variables to set on every connection:
// each default and user param the server accepts, and the time zone.
func sessionParams(ctx context.Context, db *sql.DB, user map[string]string) (map[string]string, error) {
	out := map[string]string{}
	try := func(name, value string) error {
		_, err := db.ExecContext(ctx, "SET SESSION "+name+" = "+value)
		var me *mysql.MySQLError
		switch {
		case err == nil:
			out[name] = value
		case errors.As(err, &me) && me.Number == errUnknownSystemVariable:
		default:
			return fmt.Errorf("loader: set session variable %s: %w", name, err)
		}
		return nil
	}
	for _, kv := range defaultSessionVars {
		if err := try(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	tz := ""
	for k, v := range user {
		if strings.EqualFold(k, "time_zone") {
			tz = v
			continue
		}
		if err := try(k, v); err != nil {
			return nil, err
		}
	}
	tz, err := timeZone(ctx, db, tz)
	if err != nil {
		return nil, err
	}
	out["time_zone"] = tz
	return out, nil
}

// timeZone returns the time_zone literal to use: the configured one, or the
// server's current offset from UTC.
func timeZone(ctx context.Context, db *sql.DB, configured string) (string, error) {
	if configured != "" {
		bare := strings.Trim(configured, "'\"")
		if strings.EqualFold(bare, "SYSTEM") || strings.EqualFold(bare, "Local") {
			return "", fmt.Errorf("%w: time_zone %q is ambiguous, give an offset or a zone name", ErrInvalidOptions, bare)
		}
		return quoteLiteral(bare), nil
	}
	var diff string
	err := db.QueryRowContext(ctx, "SELECT CAST(TIMEDIFF(NOW(6), UTC_TIMESTAMP(6)) AS CHAR)").Scan(&diff)
	if err != nil {
		return "", fmt.Errorf("loader: read downstream time zone: %w", err)
	}
	return quoteLiteral(offsetFromTimediff(diff)), nil
}

// offsetFromTimediff turns "08:00:00.000000" or "-05:30:00" into "+08:00" or "-05:30".
func offsetFromTimediff(diff string) string {
	sign := "+"
	if strings.HasPrefix(diff, "-") {
		sign, diff = "-", diff[1:]
	}
	parts := strings.SplitN(diff, ":", 3)
	if len(parts) < 2 {
		return "+00:00"
	}
	h, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	// NOW() and UTC_TIMESTAMP() are read at the same instant, but round
	// half-minute drifts to the nearest quarter hour to be safe.
	total := (h*60 + m + 7) / 15 * 15
	return fmt.Sprintf("%s%02d:%02d", sign, total/60, total%60)
}

func quoteLiteral(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

type discard struct{}

func (discard) Print(...any) {}
