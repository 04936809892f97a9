package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisMeter reads the CPU time a Redis server has used (INFO cpu:
// used_cpu_user + used_cpu_sys), so the bench can report what the durable
// state costs Redis too. It counts every client of that Redis, not only the
// server under test.
type redisMeter struct {
	rdb *redis.Client
}

// openRedis connects to url and checks that Redis answers.
func openRedis(ctx context.Context, url string) (*redisMeter, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("--redis %q: %w", url, err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("--redis %s: %w (is redis-server running?)", url, err)
	}
	return &redisMeter{rdb: rdb}, nil
}

func (m *redisMeter) close() {
	if m != nil {
		_ = m.rdb.Close()
	}
}

// cpu returns the CPU time Redis has used so far (0 if unknown).
func (m *redisMeter) cpu() time.Duration {
	if m == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := m.rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	return parseRedisCPU(info)
}

// parseRedisCPU sums used_cpu_user and used_cpu_sys (seconds) of an INFO
// reply.
func parseRedisCPU(info string) time.Duration {
	var total float64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || (k != "used_cpu_user" && k != "used_cpu_sys") {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
