package vm

import (
	"context"
	"iter"
)

// SubscribeChan feeds a VM from a channel (dotNetify's SubscribeTo): for
// each value received, set runs inside the VM's [Base.Update], so it just
// assigns fields and marks them changed, and what it changed is pushed.
// It runs in a goroutine of its own until ch is closed or the VM is
// disposed; nothing is left running after either.
//
//	func (v *TickerVM) OnCreated(ctx context.Context) error {
//		vm.SubscribeChan(v, v.prices.Watch(), func(p float64) { v.Price = p; v.Changed("Price") })
//		return nil
//	}
func SubscribeChan[T any](v VM, ch <-chan T, set func(T)) {
	b := v.vmBase()
	ctx := b.Context()
	go func() {
		for {
			// Disposed while set ran: stop before taking another value
			// (a select with both ready would pick one at random).
			if ctx.Err() != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case x, ok := <-ch:
				if !ok || ctx.Err() != nil {
					return
				}
				b.feed(ctx, func() { set(x) })
			}
		}
	}()
}

// Subscribe feeds a VM from an iterator, as [SubscribeChan] does from a
// channel: set runs inside [Base.Update] for each value, until the
// sequence ends or the VM is disposed. The iterator is asked for no value
// after the VM is disposed; one blocked in producing a value should itself
// watch the VM's [Base.Context].
func Subscribe[T any](v VM, seq iter.Seq[T], set func(T)) {
	b := v.vmBase()
	ctx := b.Context()
	go func() {
		for x := range seq {
			if ctx.Err() != nil {
				return
			}
			b.feed(ctx, func() { set(x) })
		}
	}()
}

// feed runs fn inside Update unless the VM is disposed; a panic in fn is
// logged, as a timer's is.
func (b *Base) feed(ctx context.Context, fn func()) {
	if ctx.Err() != nil {
		return
	}
	b.tick(fn)
}
