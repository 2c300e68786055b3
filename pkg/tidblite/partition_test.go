package tidblite

import (
	"database/sql"
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// mutationIDs returns the table IDs of the mutations of a DML prewrite,
// with their inserted row count.
func mutationIDs(t *testing.T, b *binlogpb.Binlog) map[int64]int {
	t.Helper()
	out := map[int64]int{}
	for _, m := range pvOf(t, b).GetMutations() {
		out[m.GetTableId()] += len(m.GetInsertedRows())
	}
	return out
}

func queryInts(t *testing.T, db *sql.DB, q string) []int64 {
	t.Helper()
	rows, err := db.Query(q)
	require.NoError(t, err)
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestRangePartitionTable(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	create := "CREATE TABLE t1 (a int, b varchar(128)) PARTITION BY RANGE (a) " +
		"(PARTITION p0 VALUES LESS THAN (3), PARTITION p1 VALUES LESS THAN (7))"
	mustExec(t, db, "CREATE DATABASE pt", "USE pt", create)
	job := lastJob(t, s)
	require.Equal(t, model.ActionCreateTable, job.Type)
	require.Equal(t, create, job.Query)
	ti := job.BinlogInfo.TableInfo
	require.NotNil(t, ti.Partition)
	// IDs as TiDB allocates them: the table, its partitions, then the job.
	require.Equal(t, []int64{ti.ID + 1, ti.ID + 2}, ti.PartitionIDs())
	require.Equal(t, ti.ID+3, job.ID)
	b, err := json.Marshal(ti.Partition)
	require.NoError(t, err)
	require.JSONEq(t, `{"type":1,"expr":"`+"`a`"+`","columns":null,"enable":true,"definitions":[`+
		`{"id":`+itoa(ti.ID+1)+`,"name":{"O":"p0","L":"p0"},"less_than":["3"],"in_values":null,"policy_ref_info":null},`+
		`{"id":`+itoa(ti.ID+2)+`,"name":{"O":"p1","L":"p1"},"less_than":["7"],"in_values":null,"policy_ref_info":null}],`+
		`"adding_definitions":null,"dropping_definitions":null,"states":null,"num":2,"ddl_state":0,"new_table_id":0}`, string(b))

	// Rows go under their partition's ID, keys too.
	mustExec(t, db, "INSERT INTO t1 VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d')")
	ps := prewrites(f.waitPairs(t, 3))
	require.Equal(t, map[int64]int{ti.ID + 1: 2, ti.ID + 2: 2}, mutationIDs(t, ps[2]))
	require.Equal(t, codec.EncodeRowKeyWithIntHandle(ti.ID+1, 1)[:11], ps[2].GetPrewriteKey()[:11])
	_, err = db.Exec("INSERT INTO t1 VALUES (7,'x')")
	requireCode(t, err, 1526)

	// ADD PARTITION: 2 schema versions, the new partition's ID before the job's.
	mustExec(t, db, "ALTER TABLE t1 ADD PARTITION (PARTITION p2 VALUES LESS THAN (10))")
	add := lastJob(t, s)
	require.Equal(t, model.ActionAddTablePartition, add.Type)
	require.Equal(t, model.StatePublic, add.SchemaState)
	require.Equal(t, job.SchemaVersion()+2, add.SchemaVersion())
	ti = add.BinlogInfo.TableInfo
	require.Equal(t, []int64{job.TableID + 1, job.TableID + 2, add.ID - 1}, ti.PartitionIDs())
	require.Equal(t, []string{"10"}, ti.Partition.Definitions[2].LessThan)
	mustExec(t, db, "INSERT INTO t1 VALUES (5,'e'),(8,'h')")
	ps = prewrites(f.all())
	require.Equal(t, map[int64]int{ti.ID + 2: 1, add.ID - 1: 1}, mutationIDs(t, ps[len(ps)-1]))

	// UPDATE across partitions: a delete in one, an insert in the other.
	mustExec(t, db, "UPDATE t1 SET a = 9 WHERE a = 1")
	require.Eventually(t, func() bool { return len(prewrites(f.all())) == len(ps)+1 }, waitFor, tick)
	ps = prewrites(f.all())
	muts := pvOf(t, ps[len(ps)-1]).GetMutations()
	require.Len(t, muts, 2)
	require.Equal(t, ti.ID+1, muts[0].GetTableId())
	require.Len(t, muts[0].GetDeletedRows(), 1)
	require.Equal(t, add.ID-1, muts[1].GetTableId())
	require.Len(t, muts[1].GetInsertedRows(), 1)

	// DROP PARTITION: 3 versions, state none, the rows are gone.
	mustExec(t, db, "ALTER TABLE t1 DROP PARTITION p0")
	drop := lastJob(t, s)
	require.Equal(t, model.ActionDropTablePartition, drop.Type)
	require.Equal(t, model.StateNone, drop.SchemaState)
	require.Equal(t, add.SchemaVersion()+3, drop.SchemaVersion())
	require.Equal(t, []int64{job.TableID + 2, add.ID - 1}, drop.BinlogInfo.TableInfo.PartitionIDs())
	require.JSONEq(t, "[["+itoa(job.TableID+1)+"]]", string(drop.RawArgs))
	require.Eventually(t, func() bool { return len(f.all())%2 == 0 }, waitFor, tick)
	ps = prewrites(f.all())
	ddl := ps[len(ps)-1]
	require.Equal(t, drop.ID, ddl.GetDdlJobId())
	require.Equal(t, "ALTER TABLE t1 DROP PARTITION p0;", string(ddl.GetDdlQuery()))
	require.EqualValues(t, model.StateNone, ddl.GetDdlSchemaState())
	require.Equal(t, codec.MetaTableKey(drop.SchemaID, drop.TableID), ddl.GetPrewriteKey())
	require.Equal(t, []int64{3, 4, 5, 8, 9}, queryInts(t, db, "SELECT a FROM t1 ORDER BY a"))

	_, err = db.Exec("ALTER TABLE t1 DROP PARTITION p7")
	requireCode(t, err, 1507)
	_, err = db.Exec("ALTER TABLE t1 ADD PARTITION (PARTITION p3 VALUES LESS THAN (9))")
	requireCode(t, err, 1493)
}

func TestHashPartitionTruncate(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE pt", "USE pt",
		"CREATE TABLE t2 (a int, b varchar(128)) PARTITION BY HASH (a) PARTITIONS 2")
	job := lastJob(t, s)
	ti := job.BinlogInfo.TableInfo
	require.Equal(t, partitionTypeHash, ti.Partition.Type)
	require.Equal(t, uint64(2), ti.Partition.Num)
	require.Equal(t, "p1", ti.Partition.Definitions[1].Name.O)
	require.Nil(t, ti.Partition.Definitions[1].LessThan)
	p0, p1 := ti.ID+1, ti.ID+2

	mustExec(t, db, "INSERT INTO t2 VALUES (1,'a'),(2,'b'),(3,'c'),(-4,'d'),(NULL,'n')")
	ps := prewrites(f.waitPairs(t, 3))
	require.Equal(t, map[int64]int{p0: 3, p1: 2}, mutationIDs(t, ps[2]))

	// TRUNCATE PARTITION: new IDs before the job's, the old ones in args.
	mustExec(t, db, "ALTER TABLE t2 TRUNCATE PARTITION p1")
	tr := lastJob(t, s)
	require.Equal(t, model.ActionTruncateTablePartition, tr.Type)
	require.Equal(t, model.StatePublic, tr.SchemaState)
	require.Equal(t, []int64{p0, tr.ID - 1}, tr.BinlogInfo.TableInfo.PartitionIDs())
	require.JSONEq(t, "[["+itoa(p1)+"]]", string(tr.RawArgs))
	got := queryInts(t, db, "SELECT COALESCE(a, 0) FROM t2 ORDER BY a")
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	require.Equal(t, []int64{-4, 0, 2}, got)
	mustExec(t, db, "INSERT INTO t2 VALUES (5,'e')")
	ps = prewrites(f.all())
	require.Equal(t, map[int64]int{tr.ID - 1: 1}, mutationIDs(t, ps[len(ps)-1]))

	// TRUNCATE TABLE: new table and partition IDs.
	mustExec(t, db, "TRUNCATE TABLE t2")
	tt := lastJob(t, s)
	require.Equal(t, []int64{tt.ID + 1, tt.ID + 2}, tt.BinlogInfo.TableInfo.PartitionIDs())
	require.Equal(t, tt.ID-1, tt.BinlogInfo.TableInfo.ID)

	_, err := db.Exec("ALTER TABLE t2 DROP PARTITION p0")
	requireCode(t, err, 1512)
	_, err = db.Exec("ALTER TABLE t2 TRUNCATE PARTITION p9")
	requireCode(t, err, 1735)
	for _, q := range []string{
		"CREATE TABLE k1 (id int PRIMARY KEY, a int) PARTITION BY HASH (a) PARTITIONS 2",
		"CREATE TABLE k2 (id int, a int, UNIQUE KEY (id)) PARTITION BY HASH (a) PARTITIONS 2",
		"CREATE TABLE k3 (id int, a int, PRIMARY KEY (id)) PARTITION BY HASH (a) PARTITIONS 2",
	} {
		_, err = db.Exec(q)
		requireCode(t, err, 1503)
	}
	mustExec(t, db, "CREATE TABLE k4 (id int, a int, PRIMARY KEY (id, a), KEY (id)) PARTITION BY HASH (a) PARTITIONS 2")
	mustExec(t, db, "CREATE TABLE plain (a int)")
	_, err = db.Exec("ALTER TABLE plain TRUNCATE PARTITION p0")
	requireCode(t, err, 1505)
}

func TestPartitionAttributesRecoverFlashback(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE attr", "USE attr",
		"CREATE TABLE t1 (id int PRIMARY KEY, name varchar(50))",
		"CREATE TABLE t2 (id int PRIMARY KEY, name varchar(50)) PARTITION BY RANGE (id) "+
			"(PARTITION p0 VALUES LESS THAN (10000), PARTITION p1 VALUES LESS THAN (MAXVALUE))",
		"ALTER TABLE t2 PARTITION p0 ATTRIBUTES='merge_option=allow'")
	attrs := lastJob(t, s)
	require.Equal(t, model.ActionAlterTablePartitionAttributes, attrs.Type)
	require.Equal(t, attrs.BinlogInfo.TableInfo.ID+1, attrs.BinlogInfo.TableInfo.PartitionIDs()[0])
	require.Equal(t, []string{maxValue}, attrs.BinlogInfo.TableInfo.Partition.Definitions[1].LessThan)

	mustExec(t, db, "INSERT INTO t1 VALUES (1,'test1')", "DROP TABLE t1")
	dropped := lastJob(t, s).TableID
	mustExec(t, db, "RECOVER TABLE attr.t1")
	rec := lastJob(t, s)
	require.Equal(t, model.ActionRecoverTable, rec.Type)
	require.Equal(t, dropped, rec.TableID)
	require.Equal(t, "t1", rec.BinlogInfo.TableInfo.Name.O)
	require.Equal(t, []int64{1}, queryInts(t, db, "SELECT id FROM t1"))
	_, err := db.Exec("RECOVER TABLE t1")
	requireCode(t, err, 1050)

	// The recovered table takes rows under its old ID.
	mustExec(t, db, "INSERT INTO t1 VALUES (2,'x')")
	ps := prewrites(f.all())
	require.Equal(t, map[int64]int{dropped: 1}, mutationIDs(t, ps[len(ps)-1]))

	// FLASHBACK brings back the table as it was before TRUNCATE.
	mustExec(t, db, "TRUNCATE TABLE t1", "FLASHBACK TABLE t1 TO t1_back")
	fb := lastJob(t, s)
	require.Equal(t, model.ActionRecoverTable, fb.Type)
	require.Equal(t, dropped, fb.TableID)
	require.Equal(t, "t1_back", fb.TableName)
	require.Equal(t, []int64{1, 2}, queryInts(t, db, "SELECT id FROM t1_back ORDER BY id"))
	require.Empty(t, queryInts(t, db, "SELECT id FROM t1"))
	_, err = db.Exec("RECOVER TABLE nothing")
	requireCode(t, err, 1105)
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

// The engine renames only in the current database; TiDB's query names
// the tables with theirs.
func TestRenameQualifiedWithoutCurrentDB(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE d", "CREATE TABLE d.a (id int)", "INSERT INTO d.a VALUES (1)",
		"RENAME TABLE d.a TO d.b", "ALTER TABLE d.b RENAME TO d.c")
	job := lastJob(t, s)
	require.Equal(t, model.ActionRenameTable, job.Type)
	require.Equal(t, "ALTER TABLE d.b RENAME TO d.c", job.Query)
	require.Equal(t, []int64{1}, queryInts(t, db, "SELECT id FROM d.c"))
}

func TestRecycleBinBounded(t *testing.T) {
	var b recycleBin
	for i := 0; i < recycleBinSize+5; i++ {
		b.put(&recycled{schemaID: 1, info: &model.TableInfo{ID: int64(i), Name: model.NewCIStr("t")}})
	}
	require.Len(t, b.tables, recycleBinSize)
	require.EqualValues(t, recycleBinSize+4, b.find(1, "T", false).info.ID)
	require.EqualValues(t, 5, b.tables[0].info.ID)
	require.Nil(t, b.find(2, "t", true))
}

func TestClassifyPartitionAndRecoverDDL(t *testing.T) {
	cases := []struct {
		q    string
		want metaDDL
	}{
		{"ALTER TABLE d.t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))",
			metaDDL{action: model.ActionAddTablePartition, db: "d", table: "t", opts: "PARTITION p3 VALUES LESS THAN (30)"}},
		{"alter table `t` drop partition p0, `p 1`;",
			metaDDL{action: model.ActionDropTablePartition, table: "t", names: []string{"p0", "p 1"}}},
		{"ALTER TABLE t TRUNCATE PARTITION p1",
			metaDDL{action: model.ActionTruncateTablePartition, table: "t", names: []string{"p1"}}},
		{"ALTER TABLE d.t PARTITION p0 ATTRIBUTES='merge_option=allow'",
			metaDDL{action: model.ActionAlterTablePartitionAttributes, db: "d", table: "t", names: []string{"p0"}}},
		{"RECOVER TABLE d.t", metaDDL{action: model.ActionRecoverTable, db: "d", table: "t"}},
		{"flashback table t", metaDDL{action: model.ActionRecoverTable, table: "t", flashback: true}},
		{"FLASHBACK TABLE d.t TO `t 2`;", metaDDL{action: model.ActionRecoverTable, db: "d", table: "t", newName: "t 2", flashback: true}},
	}
	for _, c := range cases {
		got, ok := classifyMetaDDL(c.q)
		require.True(t, ok, c.q)
		require.Equal(t, c.want, got, c.q)
		require.Equal(t, stmtMetaDDL, classify(c.q).kind, c.q)
	}
	for _, q := range []string{"ALTER TABLE t DROP PARTITIONING", "ALTER TABLE t REMOVE PARTITIONING",
		"SELECT 'recover table t'", "ALTER TABLE t ADD COLUMN partition_no int"} {
		_, ok := classifyMetaDDL(q)
		require.False(t, ok, q)
	}
}
