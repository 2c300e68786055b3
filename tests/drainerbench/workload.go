package main

import (
	"fmt"
	"hash/crc32"
	"math/rand/v2"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// phaseNames are the loader benchmark's three phases.
var phaseNames = [3]string{"insert", "update", "delete"}

// workload holds, per writer, the transactions of each phase, and the
// table's expected content after each phase. Writer w owns the rows with
// index % writers == w, so that two writers never change the same row and
// each row's changes commit in the order they were generated.
type workload struct {
	txns [3][][]*testcluster.RowTxn // phase, writer, transactions
	want [3]checksum
	rows int
}

// op adds one row change to a transaction.
type op func(x *testcluster.RowTxn) error

func buildWorkload(t *testcluster.RowTable, rows, writers, perTxn int) (*workload, error) {
	w := &workload{rows: rows}
	r := rand.New(rand.NewPCG(3, 4))
	table := make([]testcluster.SbRow, rows)
	for i := range table {
		table[i] = testcluster.SbRow{ID: int64(i + 1), K: int64(r.IntN(rows) + 1), C: testutil.SysbenchDigits(r, 10), Pad: testutil.SysbenchDigits(r, 5)}
	}
	owned := make([][]int, writers)
	for i := range table {
		owned[i%writers] = append(owned[i%writers], i)
	}
	ops := [3][][]op{make([][]op, writers), make([][]op, writers), make([][]op, writers)}
	for wr, idx := range owned {
		for _, i := range idx {
			row := table[i]
			ops[0][wr] = append(ops[0][wr], func(x *testcluster.RowTxn) error { return x.Insert(row) })
		}
	}
	w.want[0] = checksumOf(table)
	for wr, idx := range owned {
		for range idx {
			i := idx[r.IntN(len(idx))]
			old := table[i]
			table[i].K, table[i].C = int64(r.IntN(rows)+1), testutil.SysbenchDigits(r, 10)
			updated := table[i]
			ops[1][wr] = append(ops[1][wr], func(x *testcluster.RowTxn) error { return x.Update(old, updated) })
		}
	}
	w.want[1] = checksumOf(table)
	for wr, idx := range owned {
		for _, j := range r.Perm(len(idx)) {
			row := table[idx[j]]
			ops[2][wr] = append(ops[2][wr], func(x *testcluster.RowTxn) error { return x.Delete(row) })
		}
	}
	w.want[2] = checksumOf(nil)
	for p := range ops {
		w.txns[p] = make([][]*testcluster.RowTxn, writers)
		for wr, list := range ops[p] {
			for i := 0; i < len(list); i += perTxn {
				x := t.NewTxn()
				for _, add := range list[i:min(len(list), i+perTxn)] {
					if err := add(x); err != nil {
						return nil, fmt.Errorf("build %s phase: %w", phaseNames[p], err)
					}
				}
				w.txns[p][wr] = append(w.txns[p][wr], x)
			}
		}
	}
	return w, nil
}

// txnCount returns the number of transactions of phase p.
func (w *workload) txnCount(p int) int {
	n := 0
	for _, list := range w.txns[p] {
		n += len(list)
	}
	return n
}

// checksum is what the downstream table must hold: the row count, SUM(k)
// and the sums of CRC32(c) and CRC32(pad) (MariaDB's CRC32 is IEEE).
type checksum struct {
	rows, sumK, sumC, sumPad int64
}

func checksumOf(rows []testcluster.SbRow) checksum {
	var c checksum
	for _, r := range rows {
		c.rows++
		c.sumK += r.K
		c.sumC += int64(crc32.ChecksumIEEE([]byte(r.C)))
		c.sumPad += int64(crc32.ChecksumIEEE([]byte(r.Pad)))
	}
	return c
}

const checksumQuery = "SELECT COUNT(*), COALESCE(SUM(k), 0), COALESCE(SUM(CRC32(c)), 0), COALESCE(SUM(CRC32(pad)), 0) FROM "
