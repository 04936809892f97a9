package apigw_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/gonetify/gonetify/hub"
	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/transport/apigw"
	"github.com/gonetify/gonetify/vm"
)

// slowAdd is a store whose AddToGroup waits until released.
type slowAdd struct {
	*store.Memory
	release chan struct{}
}

func (s *slowAdd) AddToGroup(ctx context.Context, group, connID string) error {
	<-s.release
	return s.Memory.AddToGroup(ctx, group, connID)
}

// A join and then a leave are stored in that order even when the join's
// write is slow: the group ends empty, with no stale member.
func TestGroupHookKeepsOrder(t *testing.T) {
	st := &slowAdd{Memory: store.NewMemory(), release: make(chan struct{})}
	s, err := apigw.New(context.Background(), hub.New(vm.NewRegistry(), hub.Options{}), apigw.Options{
		ConnectionURL: "http://127.0.0.1:1/prod",
		Region:        "eu-west-1",
		Credentials:   credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Store:         st,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.GroupHook("Room$/g", "c1", true)
	s.GroupHook("Room$/g", "c1", false)
	time.Sleep(50 * time.Millisecond) // a leave written out of turn would be written by now
	close(st.release)
	deadline := time.Now().Add(2 * time.Second)
	for {
		// The add is in once it shows up, and gone again once the
		// remove followed it; poll until the writes settle.
		time.Sleep(20 * time.Millisecond)
		members, _ := st.Group(context.Background(), "Room$/g")
		if len(members) == 0 || time.Now().After(deadline) {
			if len(members) != 0 {
				t.Fatalf("group members after join+leave: %v, want none (the leave was stored before the join)", members)
			}
			break
		}
	}
}
