package store_test

import (
	"testing"

	"github.com/gonetify/gonetify/store"
	"github.com/gonetify/gonetify/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
