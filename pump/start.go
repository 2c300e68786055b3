package pump

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/portmux"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/soheilhy/cmux"
	"go.uber.org/zap"
)

// Start listens (gRPC and HTTP on one port, optionally gRPC on a unix
// socket), starts the background loops, registers the node online, notifies
// the online drainers when the node was offline before, and starts the
// heartbeat. On error everything is released and the server is closed.
func (s *Server) Start() error {
	if s.closing.Load() || !s.started.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	if err := s.listen(); err != nil {
		s.abort()
		return err
	}
	s.serve()
	s.startLoops()
	if err := s.goOnline(); err != nil {
		s.abort()
		return err
	}
	s.online.Store(true)
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		s.life.heartbeatLoop(s.ctx)
	}()
	s.lg.Info("pump is serving", zap.String("addr", s.addr), zap.String("advertiseAddr", s.node.Addr()))
	return nil
}

func (s *Server) goOnline() error {
	ctx, cancel := context.WithTimeout(s.ctx, registry.DefaultDialTimeout)
	defer cancel()
	ts, err := s.tso(ctx)
	if err != nil {
		return fmt.Errorf("register node: %w", err)
	}
	s.node.SetState(registry.Online)
	if err := s.life.register(ctx, registry.Online, ts); err != nil {
		return err
	}
	s.lg.Info("registered node online")
	if s.prevState != registry.Offline {
		return nil
	}
	if err := s.life.notifyDrainers(s.ctx); err != nil {
		s.node.SetState(registry.Offline)
		offCtx, offCancel := context.WithTimeout(context.Background(), registry.DefaultDialTimeout)
		defer offCancel()
		if uerr := s.life.register(offCtx, registry.Offline, 0); uerr != nil {
			s.lg.Error("set node offline after failed notify", zap.Error(uerr))
		}
		return fmt.Errorf("notify all online drainers: %w", err)
	}
	return nil
}

func (s *Server) listen() error {
	lis, err := net.Listen("tcp", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.ListenAddr, err)
	}
	s.addr = lis.Addr().String()
	s.node.SetAddr(config.AdvertisedAddr(s.cfg.AdvertiseAddr, s.addr))
	if s.tlsCfg != nil {
		lis = security.NewListener(lis, s.tlsCfg, s.lg)
	}
	s.tcpLis = lis
	if s.cfg.Socket == "" {
		return nil
	}
	path := config.StripScheme(s.cfg.Socket)
	removeStaleSocket(path)
	s.unixLis, err = net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("listen on unix socket %s: %w", path, err)
	}
	return nil
}

// removeStaleSocket deletes a unix socket file left by a previous run.
func removeStaleSocket(path string) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == fs.ModeSocket {
		_ = os.Remove(path)
	}
}

// serve splits the TCP port between gRPC (HTTP/2 with content-type
// application/grpc) and HTTP, and serves both plus the unix socket.
func (s *Server) serve() {
	s.gs = s.newGRPCServer()
	s.httpSrv = &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
	portmux.HTTPProtocols(s.httpSrv)
	var ls portmux.Listeners
	s.cm, ls = portmux.Split(s.tcpLis)
	s.goServe("grpc", func() error { return s.gs.Serve(ls.GRPC) })
	s.goServe("http", func() error { return s.httpSrv.Serve(ls.HTTP) })
	s.goServe("http2", func() error { return s.httpSrv.Serve(ls.HTTP2) })
	s.goServe("cmux", s.cm.Serve)
	if s.unixLis != nil {
		s.goServe("grpcUnix", func() error { return s.gs.Serve(s.unixLis) })
	}
}

func (s *Server) goServe(name string, serve func() error) {
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		err := serve()
		if err != nil && !s.closing.Load() && !isClosedErr(err) {
			s.lg.Error("server stopped", zap.String("listener", name), zap.Error(err))
		}
	}()
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) ||
		errors.Is(err, cmux.ErrListenerClosed) || errors.Is(err, cmux.ErrServerClosed)
}

// Close shuts the pump down gracefully: it stops the background loops,
// commits the node state (waiting for drainers when closing), ends the pull
// streams, stops gRPC (10 s at most) and HTTP, and closes storage, etcd and
// PD. Concurrent and repeated calls wait for the first one.
func (s *Server) Close() error {
	if !s.closing.CompareAndSwap(false, true) {
		<-s.done
		return nil
	}
	defer close(s.done)
	s.lg.Info("closing pump")
	s.cancel()
	s.loops.Wait()
	if s.started.Load() {
		s.life.commitStatus()
	}
	s.stopServing()
	s.releaseResources()
	s.lg.Info("pump closed")
	return nil
}

// abort releases everything after a failed Start without touching the
// node state in etcd.
func (s *Server) abort() {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	defer close(s.done)
	s.cancel()
	s.loops.Wait()
	s.stopServing()
	s.releaseResources()
}

func (s *Server) stopServing() {
	close(s.pullClose)
	if s.gs != nil {
		stopped := make(chan struct{})
		go func() {
			s.gs.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(s.opts.timings.grpcStopTimeout):
			s.lg.Warn("graceful gRPC stop timed out, stopping now")
			s.gs.Stop()
			<-stopped
		}
	}
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := s.httpSrv.Shutdown(ctx); err != nil {
			_ = s.httpSrv.Close()
		}
		cancel()
	}
	if s.cm != nil {
		s.cm.Close()
	}
	for _, l := range []net.Listener{s.tcpLis, s.unixLis} {
		if l != nil {
			_ = l.Close()
		}
	}
	s.serving.Wait()
}
