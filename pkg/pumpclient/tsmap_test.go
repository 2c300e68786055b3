package pumpclient

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTSMapPutGetRemove(t *testing.T) {
	m := newTSMap(time.Minute)
	now := time.Now()
	m.put(1, "a", now)
	m.put(2, "b", now)
	id, ok := m.get(1)
	require.True(t, ok)
	require.Equal(t, "a", id)
	m.remove(1)
	_, ok = m.get(1)
	require.False(t, ok)
	require.Equal(t, 1, m.len())
}

func TestTSMapExpiry(t *testing.T) {
	m := newTSMap(10 * time.Second)
	t0 := time.Now()
	for i := range 100 {
		m.put(int64(i), "p", t0.Add(time.Duration(i)*time.Second))
	}
	m.remove(5)                           // removed before expiry: not counted
	m.put(3, "q", t0.Add(50*time.Second)) // re-put: its old queue slot must not expire it

	require.Equal(t, 0, m.expire(t0.Add(9*time.Second)))
	n := m.expire(t0.Add(20 * time.Second)) // entries 0..10 expire, minus 3 and 5
	require.Equal(t, 9, n)
	_, ok := m.get(3)
	require.True(t, ok, "re-put entry survives")
	_, ok = m.get(11)
	require.True(t, ok)

	require.Equal(t, 90, m.expire(t0.Add(time.Hour))) // 11..99 and 3
	require.Zero(t, m.len())
	require.Empty(t, m.order[m.head:], "queue released")
}

func TestTSMapBoundedUnderChurn(t *testing.T) {
	// A steady stream of prewrites whose commits never come keeps the map at
	// about rate*ttl entries, and the queue does not grow without bound.
	m := newTSMap(time.Second)
	t0 := time.Now()
	for i := range 100000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		m.put(int64(i), "p", now)
		if i%100 == 0 {
			m.expire(now)
		}
	}
	require.LessOrEqual(t, m.len(), 1100)
	require.LessOrEqual(t, cap(m.order), 4*1100)
}

func TestTSMapCleanupInterval(t *testing.T) {
	require.Equal(t, time.Minute, newTSMap(10*time.Minute).cleanupInterval())
	require.Equal(t, 500*time.Millisecond, newTSMap(2*time.Second).cleanupInterval())
	require.Equal(t, 10*time.Millisecond, newTSMap(time.Millisecond).cleanupInterval())
}
