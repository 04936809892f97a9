package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a Gateway listening on a TCP address, for commands that run
// the emulator in-process (gonetify gateway, gonetify demo).
type Server struct {
	// Gateway is the emulator being served.
	Gateway *Gateway
	// Addr is the address actually listened on (host:port).
	Addr string
	srv  *http.Server
	errc chan error
}

// Listen serves g on addr ("127.0.0.1:0" picks a free port) until
// Shutdown.
func Listen(g *Gateway, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway cannot listen on %s: %w (is something else using that port? pick another with --addr)", addr, err)
	}
	s := &Server{
		Gateway: g,
		Addr:    ln.Addr().String(),
		srv:     &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second},
		errc:    make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.errc <- err
	}()
	return s, nil
}

// WebSocketURL returns ws://ADDR/STAGE, the URL clients connect to.
func (s *Server) WebSocketURL() string { return s.Gateway.WebSocketURL(s.Addr) }

// ConnectionURL returns http://ADDR/STAGE/@connections, the app server's
// callback URL.
func (s *Server) ConnectionURL() string { return s.Gateway.ConnectionURL(s.Addr) }

// Done returns a channel that receives the serve error (nil after a clean
// Shutdown) once the listener stops.
func (s *Server) Done() <-chan error { return s.errc }

// Shutdown closes every WebSocket connection (running their $disconnect
// integrations), then stops the HTTP server, both bounded by ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	gerr := s.Gateway.Shutdown(ctx)
	herr := s.srv.Shutdown(ctx)
	return errors.Join(gerr, herr)
}
