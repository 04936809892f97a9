// Package vmrt is the runtime's side of a view model: the live instance the
// hub drives, the way an instance reaches whoever delivers its changes,
// and the values they exchange. Package vm implements it; VM authors never
// see it.
package vmrt

import (
	"context"
	"encoding/json"
	"log/slog"
)

// Instance is a live VM as the runtime holds it: the user's value, its
// type information and its id. Methods that run VM code hold the VM's
// lock and turn a panic into an error.
type Instance interface {
	// ID returns the id the VM was created with ("Master.Type$instance").
	ID() string
	// Type returns the VM's registered type name (the id's type part).
	Type() string
	// VM returns the user's view model (a vm.VM).
	VM() any
	// Multicast reports whether the VM is shared between connections.
	Multicast() bool
	// SetLogger sets where the VM's runtime logs go.
	SetLogger(l *slog.Logger)
	// SetPusher sets (or with nil clears) who delivers the VM's pushes; a
	// push requested before is delivered now.
	SetPusher(p Pusher)
	// HasChanges reports whether changes are pending.
	HasChanges() bool

	// Created runs the VM's OnCreated hook, if it has one.
	Created(ctx context.Context) error
	// Dispose stops the VM: its context is cancelled, its timers stop and
	// its OnDisposed hook runs.
	Dispose()
	// Join and Leave run a multicast VM's OnJoin and OnLeave hooks for
	// the connection ctx carries.
	Join(ctx context.Context) error
	Leave(ctx context.Context)
	// GroupName is the group a connection (in ctx) joins (GroupNamer).
	GroupName(ctx context.Context) string

	// InitialState returns the state a client gets on request (and clears
	// the pending changes); FullState returns it without clearing them.
	InitialState() ([]byte, error)
	FullState() ([]byte, error)
	// RestoreState applies a state saved by FullState.
	RestoreState(state []byte) error

	// TakeChanges returns the pending changes and clears them.
	TakeChanges() ([]Change, error)
	// TakeChangesAndState is TakeChanges that also returns the whole
	// state, read in the same locked step (nil when nothing changed).
	TakeChangesAndState() ([]Change, []byte, error)
	// TryTakeChangesAndState is TakeChangesAndState (without withState,
	// TakeChanges) if the VM's lock is free now; ok is false, and nothing
	// is taken, while VM code runs.
	TryTakeChangesAndState(withState bool) (changes []Change, state []byte, ok bool, err error)

	// Apply applies a client's update, entry by entry, in order.
	Apply(ctx context.Context, updates []PathValue) error
	// ApplyServer is Apply for the server's own code: exported methods
	// not declared as commands may be called too.
	ApplyServer(ctx context.Context, updates []PathValue) error
	// ApplyAndTake is Apply followed, under the same hold of the VM's
	// lock, by TakeChanges (with withState, the state too); on an error
	// nothing is taken.
	ApplyAndTake(ctx context.Context, updates []PathValue, withState bool) ([]Change, []byte, error)
	// Do runs fn holding the VM's lock.
	Do(fn func() error) error
}

// Pusher is how a running VM reaches whoever delivers its changes. The
// hub implements it.
type Pusher interface {
	// Push delivers the pending changes of inst (and, for a VM bound to
	// one connection, of every other VM on that connection).
	Push(inst Instance)
	// Send delivers data (a JSON object of property values) from inst to
	// the given connections only.
	Send(inst Instance, connIDs []string, data []byte)
	// SendTo delivers data from inst to an audience.
	SendTo(inst Instance, to Audience, data []byte)
	// Members lists who shares inst (a multicast VM), on every server.
	Members(inst Instance) []Member
}

// Audience is vm.Audience, field for field (the two convert).
type Audience struct {
	ConnIDs []string
	UserIDs []string
	Groups  []string
	Except  []string
}

// Member is vm.Member, field for field (the two convert).
type Member struct {
	ConnID    string
	User      string
	Principal any
}

// PathValue is one entry of an update: a property path and its JSON value.
type PathValue struct {
	Path  string
	Value json.RawMessage
}

// Change is one key of a changes object: a property name (or a list
// pseudo-key such as "Employees_add") and its JSON value.
type Change struct {
	Key   string
	Value json.RawMessage
}

// EncodeChanges encodes changes as one JSON object, leaving out keys for
// which skip returns true; nil when none is left.
func EncodeChanges(changes []Change, skip func(Change) bool) []byte {
	buf := make([]byte, 0, 128)
	buf = append(buf, '{')
	n := 0
	for _, c := range changes {
		if skip != nil && skip(c) {
			continue
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		k, _ := json.Marshal(c.Key)
		buf = append(buf, k...)
		buf = append(buf, ':')
		buf = append(buf, c.Value...)
	}
	if n == 0 {
		return nil
	}
	return append(buf, '}')
}

// Wrap makes an Instance of a view model created elsewhere (v is a vm.VM,
// for example a master's sub-VM), its type checked as registration checks
// it. Package vm sets it when it is initialized.
var Wrap func(ctx context.Context, id string, v any) (Instance, error)
