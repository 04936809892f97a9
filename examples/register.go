// Package examples ports dotNetify's demo view models to gonetify: the VMs
// of dotNetify's DevApp (HelloWorld, ControlTypes, SimpleList, LiveChart,
// ChatRoom, the CompositeView movie table) and a MasterDetails pair, with the
// same names and state shapes (PascalCase JSON) the official dotnetify
// client expects. They double as worked examples of the [vm] rules: state
// fields, computed getters, SetX setters, commands, list item keys,
// multicast, timers and master/sub-VM wiring.
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
	// ServerTimeInterval is how often HelloWorldVM pushes ServerTime;
	// 0 means one second.
	ServerTimeInterval time.Duration
	// LiveChartInterval is LiveChartVM's default tick; 0 means one second.
	// A client can pick its own with $vmArg {"Interval": milliseconds}.
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

// Names lists the VM names [Register] adds, in registration order.
var Names = []string{
	"HelloWorldVM", "ControlTypesVM", "SimpleListVM", "LiveChartVM", "ChatRoomVM",
	"CompositeViewVM", "FilterableMovieTableVM", "MovieTableVM", "MovieFilterVM", "MovieDetailsVM",
	"MasterDetails", "MasterList", "Details",
}

// SecureNames lists the VMs [Register] adds that need an authenticated
// user: the hub must run the auth package's JWT middleware and
// AuthorizeFilter, then [AccessTokenFilter].
var SecureNames = []string{"SecurePageVM", "AdminSecurePageVM"}

// Register adds every example VM (Names and SecureNames) to reg with default [Options].
func Register(reg *vm.Registry) { RegisterWith(reg, Options{}) }

// RegisterWith adds every example VM to reg, configured by opts.
func RegisterWith(reg *vm.Registry, opts Options) {
	o := opts.withDefaults()
	movies := NewMovieService()
	add(reg, "HelloWorldVM", func() *HelloWorldVM { return NewHelloWorldVM(o.ServerTimeInterval) })
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
