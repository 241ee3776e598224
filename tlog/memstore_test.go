package tlog

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
)

// memStore is an in-memory Store for tests, following SPEC §6.1.
type memStore struct {
	mu          sync.Mutex
	origin      string
	leaves      [][]byte
	byHash      map[Hash]int64
	hashes      map[int64]Hash
	checkpoints map[int64][]byte
	cosigs      map[int64]map[string][]byte
}

func newMemStore() *memStore {
	return &memStore{
		byHash:      map[Hash]int64{},
		hashes:      map[int64]Hash{},
		checkpoints: map[int64][]byte{},
		cosigs:      map[int64]map[string][]byte{},
	}
}

var _ Store = (*memStore)(nil)

func (m *memStore) BindOrigin(_ context.Context, origin string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.origin == "" {
		m.origin = origin
	}
	if m.origin != origin {
		return fmt.Errorf("%w: %q", ErrWrongOrigin, m.origin)
	}
	return nil
}

func (m *memStore) Size(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.leaves)), nil
}

func (m *memStore) Append(_ context.Context, first int64, leaves [][]byte, hashes []StoredHash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if first != int64(len(m.leaves)) {
		return ErrConflict
	}
	seen := map[Hash]bool{}
	for _, l := range leaves {
		h := LeafHash(l)
		if _, ok := m.byHash[h]; ok || seen[h] {
			return ErrDuplicate
		}
		seen[h] = true
	}
	for _, h := range hashes {
		if _, ok := m.hashes[h.Index]; ok {
			return fmt.Errorf("hash %d already stored", h.Index)
		}
	}
	for i, l := range leaves {
		m.byHash[LeafHash(l)] = first + int64(i)
		m.leaves = append(m.leaves, bytes.Clone(l))
	}
	for _, h := range hashes {
		m.hashes[h.Index] = h.Hash
	}
	return nil
}

func (m *memStore) ReadLeaves(_ context.Context, start, end int64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if start < 0 || end > int64(len(m.leaves)) || start > end {
		return nil, ErrNotFound
	}
	return m.leaves[start:end], nil
}

func (m *memStore) ReadHashes(_ context.Context, indexes []int64) ([]Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m.hashes[x]
		if !ok {
			return nil, fmt.Errorf("hash %d: %w", x, ErrNotFound)
		}
		out[i] = h
	}
	return out, nil
}

func (m *memStore) LeafIndex(_ context.Context, h Hash) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.byHash[h]
	if !ok {
		return 0, ErrNotFound
	}
	return i, nil
}

func (m *memStore) PutCheckpoint(_ context.Context, size int64, note []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.checkpoints[size]; !ok {
		m.checkpoints[size] = bytes.Clone(note)
	}
	return nil
}

func (m *memStore) Checkpoint(context.Context) (int64, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := int64(-1)
	for s := range m.checkpoints {
		best = max(best, s)
	}
	if best < 0 {
		return 0, nil, ErrNotFound
	}
	return best, m.checkpoints[best], nil
}

func (m *memStore) CheckpointAt(_ context.Context, size int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.checkpoints[size]
	if !ok {
		return nil, ErrNotFound
	}
	return n, nil
}

func (m *memStore) AddCosignature(_ context.Context, size int64, witness string, line []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.checkpoints[size]; !ok {
		return ErrNotFound
	}
	if m.cosigs[size] == nil {
		m.cosigs[size] = map[string][]byte{}
	}
	m.cosigs[size][witness] = bytes.Clone(line)
	return nil
}

func (m *memStore) Cosignatures(_ context.Context, size int64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for w := range m.cosigs[size] {
		names = append(names, w)
	}
	sort.Strings(names)
	var out [][]byte
	for _, w := range names {
		out = append(out, m.cosigs[size][w])
	}
	return out, nil
}
