// Package examples ports dotNetify's demo view models to gonetify: the VMs
// of dotNetify's DevApp (HelloWorld, ControlTypes, SimpleList, LiveChart,
// ChatRoom, the CompositeView movie table, SecurePage, the DataFlow
// MasterDetails set and the routed BookStore), each with exactly the
// original's properties and commands (names, shapes, item keys), so
// dotNetify's own front-ends run unchanged. What gonetify's demo app wants beyond them lives in separate
// demo VMs ([DemoNames]). They double as worked examples of the [vm] rules: state
// fields, computed getters, SetX setters, commands, list item keys,
// multicast, timers, master/sub-VM wiring and routing ([vm.Routable]).
//
// Register them all with [Register], or with [RegisterWith] to tune timers
// and logging (tests use short intervals).
package examples

import (
	"context"
	"log/slog"
	"time"

	"github.com/gonetify/gonetify/vm"
)

// Options configure the example VMs. The zero value gives dotNetify's
// behaviour.
type Options struct {
	// ServerTimeInterval is how often ServerTimeVM pushes ServerTime;
	// 0 means one second.
	ServerTimeInterval time.Duration
	// LiveChartInterval is LiveChartVM's tick, and TunableLiveChartVM's
	// default one; 0 means one second. A client picks TunableLiveChartVM's
	// with $vmArg {"Interval": milliseconds}.
	LiveChartInterval time.Duration
	// SecureDataInterval is how often SecurePageVM pushes SecureData;
	// 0 means one second.
	SecureDataInterval time.Duration
	// Logger receives the examples' logs; nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ServerTimeInterval <= 0 {
		o.ServerTimeInterval = time.Second
	}
	if o.LiveChartInterval <= 0 {
		o.LiveChartInterval = time.Second
	}
	if o.SecureDataInterval <= 0 {
		o.SecureDataInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Names lists the ported dotNetify VMs [Register] adds (not the secure
// ones), in registration order.
var Names = []string{
	"HelloWorldVM", "ControlTypesVM", "SimpleListVM", "LiveChartVM", "ChatRoomVM",
	"CompositeViewVM", "FilterableMovieTableVM", "MovieTableVM", "MovieFilterVM", "MovieDetailsVM",
	"MasterDetails", "MasterList", "Details", "BookStoreVM", "BookDetailsVM",
}

// DemoNames lists the demo VMs [Register] adds: not ports, but what the
// demo app and the tests want beyond dotNetify's examples.
var DemoNames = []string{"GreetingVM", "ServerTimeVM", "TunableLiveChartVM", "PresenceVM"}

// SecureNames lists the VMs [Register] adds that need an authenticated
// user: the hub must run the auth package's JWT middleware and
// AuthorizeFilter, then [AccessTokenFilter].
var SecureNames = []string{"SecurePageVM", "AdminSecurePageVM"}

// Register adds every example VM (Names, DemoNames and SecureNames) to reg with default [Options].
func Register(reg *vm.Registry) { RegisterWith(reg, Options{}) }

// RegisterWith adds every example VM to reg, configured by opts.
func RegisterWith(reg *vm.Registry, opts Options) {
	o := opts.withDefaults()
	movies := NewMovieService()
	store := NewWebStoreService()
	add(reg, "HelloWorldVM", NewHelloWorldVM)
	add(reg, "ControlTypesVM", NewControlTypesVM)
	add(reg, "SimpleListVM", func() *SimpleListVM { return NewSimpleListVM(NewEmployeeRepository()) })
	add(reg, "LiveChartVM", func() *LiveChartVM { return NewLiveChartVM(o.LiveChartInterval) })
	add(reg, "ChatRoomVM", NewChatRoomVM)
	add(reg, "CompositeViewVM", func() *CompositeViewVM { return NewCompositeViewVM(movies) })
	add(reg, "FilterableMovieTableVM", NewFilterableMovieTableVM)
	add(reg, "MovieTableVM", NewMovieTableVM)
	add(reg, "MovieFilterVM", NewMovieFilterVM)
	add(reg, "MovieDetailsVM", func() *MovieDetailsVM { return NewMovieDetailsVM(movies) })
	add(reg, "MasterDetails", func() *MasterDetailsVM { return NewMasterDetailsVM(o.Logger) })
	add(reg, "MasterList", NewMasterListVM)
	add(reg, "Details", NewDetailsVM)
	add(reg, "BookStoreVM", func() *BookStoreVM { return NewBookStoreVM(store) })
	add(reg, "BookDetailsVM", func() *BookDetailsVM { return NewBookDetailsVM(store) })
	add(reg, "GreetingVM", NewGreetingVM)
	add(reg, "ServerTimeVM", func() *ServerTimeVM { return NewServerTimeVM(o.ServerTimeInterval) })
	add(reg, "TunableLiveChartVM", func() *TunableLiveChartVM { return NewTunableLiveChartVM(o.LiveChartInterval) })
	add(reg, "PresenceVM", NewPresenceVM)
	add(reg, "SecurePageVM", func() *SecurePageVM { return NewSecurePageVM(o.SecureDataInterval) })
	add(reg, "AdminSecurePageVM", func() *AdminSecurePageVM { return &AdminSecurePageVM{} })
}

// add registers a constructor; the examples' types are checked by their
// tests, so a failure here is a programming error.
func add[T any, P interface {
	*T
	vm.VM
}](reg *vm.Registry, name string, f func() P) {
	vm.MustRegister(reg, name, func(context.Context, vm.ID) (P, error) { return f(), nil })
}
