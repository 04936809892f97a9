package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gonetify/gonetify/internal/bench/benchserver"
)

// child is a server process started by the bench.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string
	done chan struct{}
	err  error
}

// startChild runs exe with args. When waitListen is set it waits for the
// child's benchserver.ListenLine and records the address.
func startChild(name, exe string, args, env []string, stderr io.Writer, waitListen bool) (*child, error) {
	cmd := exec.Command(exe, args...) //nolint:gosec // gonetify itself or gonetify-baselines, with our arguments
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errp, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, exe, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go forwardLines(errp, stderr, "["+name+"] ", 20)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if !sent && strings.HasPrefix(line, benchserver.ListenLine) {
				addrc <- strings.TrimSpace(strings.TrimPrefix(line, benchserver.ListenLine))
				sent = true
			}
		}
	}()
	go func() { c.err = cmd.Wait(); close(c.done) }()
	if !waitListen {
		return c, nil
	}
	select {
	case c.addr = <-addrc:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("%s exited before listening: %v (is this binary built with the bench sub-commands?)", name, c.err)
	case <-time.After(20 * time.Second):
		c.stop()
		return nil, fmt.Errorf("%s did not start listening within 20s", name)
	}
}

// forwardLines copies lines from r to w with a prefix, at most max of them,
// then counts the rest.
func forwardLines(r io.Reader, w io.Writer, prefix string, max int) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if n <= max {
			fmt.Fprintln(w, prefix+sc.Text())
		}
	}
	if n > max {
		fmt.Fprintf(w, "%s(%d more log lines not shown)\n", prefix, n-max)
	}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the child to exit (SIGTERM), then kills it after 10s.
func (c *child) stop() {
	if c == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// procRSS returns the resident set size of pid in bytes.
func procRSS(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// procCPU returns the user+system CPU time pid has used.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / clockTicks
}

// cpuMeter measures the cores a process uses between two points.
type cpuMeter struct {
	pid  int
	cpu  time.Duration
	wall time.Time
}

func newCPUMeter(pid int) *cpuMeter {
	return &cpuMeter{pid: pid, cpu: procCPU(pid), wall: time.Now()}
}

// cores returns the cores used since the last call (or creation) and resets.
func (m *cpuMeter) cores() float64 {
	if m == nil || m.pid == 0 {
		return 0
	}
	c, w := procCPU(m.pid), time.Now()
	d := w.Sub(m.wall)
	r := 0.0
	if d > 0 {
		r = float64(c-m.cpu) / float64(d)
	}
	m.cpu, m.wall = c, w
	return r
}

// fetchStats reads a bench server's /debug/bench/stats; gc forces a
// collection first.
func fetchStats(addr string, gc bool) (benchserver.Stats, error) {
	var s benchserver.Stats
	url := "http://" + addr + "/debug/bench/stats"
	if gc {
		url += "?gc=1"
	}
	resp, err := http.Get(url) //nolint:gosec // the bench server this process started or was pointed at
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// cpuProfile fetches a CPU profile of d from a bench server into file.
func cpuProfile(ctx context.Context, addr string, d time.Duration, file string) error {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return fetchTo(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), file)
}

// fetchTo saves what GET url answers (a profile) into file.
func fetchTo(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file) //nolint:gosec // the profile file the user named
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// freePort returns a loopback address nobody listens on right now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitTCP waits until addr accepts connections.
func waitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s: %w", addr, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
