package loader

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatementFolding(t *testing.T) {
	pkOnly := newTableInfo([]string{"id", "v"}, nil, []indexInfo{{"PRIMARY", []string{"id"}}})
	withUK := newTableInfo([]string{"id", "v"}, nil, []indexInfo{{"PRIMARY", []string{"id"}}, {"uv", []string{"v"}}})
	rc := func(info *tableInfo, d *DML) *rowChange { return newRowChange(&Txn{}, d, info, FullColumn) }
	u := func(id, v int64) *DML {
		return upd("d", "t", row("id", id, "v", int64(0)), row("id", id, "v", v))
	}
	sqls := func(st []stmt) []string {
		var out []string
		for _, s := range st {
			out = append(out, s.sql)
		}
		return out
	}
	// Updates keeping the key in a pk-only table fold into one upsert.
	got := buildStatements([]*rowChange{rc(pkOnly, u(1, 1)), rc(pkOnly, u(2, 2))}, false)
	require.Equal(t, []string{"INSERT INTO `d`.`t`(`id`,`v`) VALUES(?,?),(?,?) ON DUPLICATE KEY UPDATE `id`=VALUES(`id`),`v`=VALUES(`v`)"}, sqls(got))
	require.Equal(t, []any{int64(1), int64(1), int64(2), int64(2)}, got[0].args)
	// With a second unique key they stay UPDATEs (an upsert could hit the other key).
	got = buildStatements([]*rowChange{rc(withUK, u(1, 1)), rc(withUK, u(2, 2))}, false)
	require.Equal(t, []string{
		"UPDATE `d`.`t` SET `id` = ?,`v` = ? WHERE `id` = ? LIMIT 1",
		"UPDATE `d`.`t` SET `id` = ?,`v` = ? WHERE `id` = ? LIMIT 1",
	}, sqls(got))
	// An update that moves the key is not an upsert.
	moved := upd("d", "t", row("id", int64(1), "v", int64(0)), row("id", int64(9), "v", int64(0)))
	got = buildStatements([]*rowChange{rc(pkOnly, moved), rc(pkOnly, u(2, 2))}, true)
	require.Equal(t, []string{
		"DELETE FROM `d`.`t` WHERE `id` = ? LIMIT 1",
		"REPLACE INTO `d`.`t`(`id`,`v`) VALUES(?,?)",
		"DELETE FROM `d`.`t` WHERE `id` = ? LIMIT 1",
		"REPLACE INTO `d`.`t`(`id`,`v`) VALUES(?,?)",
	}, sqls(got))
	// Inserts fold per shape, deletes by key into IN lists, in order.
	got = buildStatements([]*rowChange{
		rc(withUK, ins("d", "t", row("id", int64(1), "v", int64(1)))),
		rc(withUK, ins("d", "t", row("id", int64(2), "v", int64(2)))),
		rc(withUK, del("d", "t", row("id", int64(1), "v", int64(1)))),
		rc(withUK, del("d", "t", row("id", int64(2), "v", int64(2)))),
		rc(withUK, ins("d", "t", row("id", int64(3), "v", nil))),
	}, false)
	require.Equal(t, []string{
		"INSERT INTO `d`.`t`(`id`,`v`) VALUES(?,?),(?,?)",
		"DELETE FROM `d`.`t` WHERE `id` IN (?,?)",
		"INSERT INTO `d`.`t`(`id`,`v`) VALUES(?,?)",
	}, sqls(got))
	// Multi-statement packing joins statements and their arguments.
	packed := packStatements(got)
	require.Len(t, packed, 1)
	require.Len(t, packed[0].args, 8)
}

func TestMergeRows(t *testing.T) {
	info := newTableInfo([]string{"id", "v"}, nil, []indexInfo{{"PRIMARY", []string{"id"}}})
	rc := func(d *DML) *rowChange { return newRowChange(&Txn{}, d, info, FullColumn) }
	groups := mergeGroups([]*rowChange{
		rc(ins("d", "t", row("id", int64(3), "v", int64(1)))),
		rc(upd("d", "t", row("id", int64(3), "v", int64(1)), row("id", int64(4), "v", int64(2)))), // moves 3 -> 4
		rc(ins("d", "t", row("id", int64(1), "v", int64(5)))),
		rc(del("d", "t", row("id", int64(1), "v", int64(5)))),
		rc(upd("d", "t", row("id", int64(7), "v", int64(0)), row("id", int64(7), "v", int64(9)))),
	})
	require.Len(t, groups, 2)
	var dels, reps []int64
	for _, r := range groups[0] {
		require.Equal(t, DeleteDMLType, r.dml.Tp)
		dels = append(dels, r.dml.Values["id"].(int64))
	}
	for _, r := range groups[1] {
		require.True(t, r.replace)
		reps = append(reps, r.dml.Values["id"].(int64))
	}
	require.Equal(t, []int64{1, 3}, dels)
	require.Equal(t, []int64{4, 7}, reps)
}
