package testcluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// ErrNotReady is returned when a started process does not answer in time.
var ErrNotReady = errors.New("testcluster: process not ready")

// ErrExited is returned when a started process exits before it answers.
var ErrExited = errors.New("testcluster: process exited")

// Process is one running binary with its command line, so it can be
// restarted with the same arguments after a stop or a kill.
type Process struct {
	Name string
	Bin  string
	Args []string
	Dir  string // where <name>.out (stdout and stderr) is written

	cmd  *exec.Cmd
	done chan error
}

// Start launches the process; output is appended to Dir/<Name>.out.
func (p *Process) Start() error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	out, err := os.OpenFile(filepath.Join(p.Dir, p.Name+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.cmd = cmd
	p.done = make(chan error, 1)
	go func() {
		p.done <- cmd.Wait()
		out.Close()
	}()
	return nil
}

// Pid returns the process ID, or 0 when the process has not been started.
func (p *Process) Pid() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the process has been started and not yet exited.
func (p *Process) Running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case err := <-p.done:
		p.done <- err
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() error {
	if p.cmd == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
	return nil
}

// Stop sends SIGTERM and waits up to timeout before killing it.
func (p *Process) Stop(timeout time.Duration) error {
	if p.cmd == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		err = <-p.done
		err = fmt.Errorf("stop %s: killed after %s: %v", p.Name, timeout, err)
	}
	p.cmd = nil
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // a non-zero exit after SIGTERM is still a stop
	}
	return err
}

// Output returns what the process printed so far (for test failure messages).
func (p *Process) Output() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, p.Name+".out"))
	return string(b)
}

// WaitHTTP polls url until it answers with a status below 500.
func WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	return waitHTTP(ctx, url, timeout, nil)
}

// WaitReady polls url like WaitHTTP, but gives up as soon as the process
// exits (a daemon that cannot bind its port exits at once), and puts the
// end of what it printed in the error.
func (p *Process) WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	if err := waitHTTP(ctx, url, timeout, p.Running); err != nil {
		return fmt.Errorf("%s: %w\n%s output (end):\n%s", p.Name, err, p.Name, Tail(p.Output(), 4000))
	}
	return nil
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration, running func() bool) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		if running != nil && !running() {
			return fmt.Errorf("%w: before %s answered", ErrExited, url)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%w: %s did not answer within %s", ErrNotReady, url, timeout)
}

// Tail returns the last n bytes of s (for failure messages), marked with
// "..." when s was cut.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
