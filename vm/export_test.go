package vm

import (
	"context"

	"github.com/gonetify/gonetify/internal/vmrt"
)

// Wrap makes the runtime's instance of v, for the tests of package vm_test
// that drive the runtime directly.
func Wrap(ctx context.Context, id ID, v VM) (vmrt.Instance, error) {
	inst, err := wrap(ctx, id, v)
	if err != nil {
		return nil, err
	}
	return inst, nil
}
