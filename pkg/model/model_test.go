package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

type goldenJob struct {
	JobID          int64           `json:"job_id"`
	Name           string          `json:"name"`
	HTTPBody       string          `json:"http_body_exact"`
	MetaValue      string          `json:"meta_history_value_exact"`
	Job            json.RawMessage `json:"job"`
	MetaKeyHex     string          `json:"meta_history_key_hex"`
	JobType        string          `json:"job_type"`
	DDLBinlogCount json.RawMessage `json:"ddl_binlogs"`
}

func loadGoldenJobs(t *testing.T) []goldenJob {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "ddl_jobs.json"))
	require.NoError(t, err)
	var f struct {
		Jobs []goldenJob `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	require.Len(t, f.Jobs, 14)
	return f.Jobs
}

func TestGoldenJobsMetaRoundTrip(t *testing.T) {
	for _, g := range loadGoldenJobs(t) {
		t.Run(g.Name, func(t *testing.T) {
			var job Job
			require.NoError(t, json.Unmarshal([]byte(g.MetaValue), &job))
			require.Equal(t, g.JobID, job.ID)
			require.Equal(t, g.JobType, job.Type.String())
			require.Nil(t, job.Extra)
			out, err := json.Marshal(&job)
			require.NoError(t, err)
			require.Equal(t, g.MetaValue, string(out))
		})
	}
}

func TestGoldenJobsHTTPBody(t *testing.T) {
	for _, g := range loadGoldenJobs(t) {
		t.Run(g.Name, func(t *testing.T) {
			var jobs []*Job
			require.NoError(t, json.Unmarshal([]byte(g.HTTPBody), &jobs))
			require.Len(t, jobs, 1)
			require.Equal(t, JobStateSynced, jobs[0].State)
			require.True(t, jobs[0].IsSynced())
			out, err := MarshalJobsIndent(jobs)
			require.NoError(t, err)
			require.Equal(t, g.HTTPBody, string(out))
		})
	}
}

func TestGoldenJobContents(t *testing.T) {
	jobs := map[int64]*Job{}
	for _, g := range loadGoldenJobs(t) {
		var j Job
		require.NoError(t, json.Unmarshal([]byte(g.MetaValue), &j))
		jobs[j.ID] = &j
	}
	create := jobs[87]
	require.Equal(t, ActionCreateTable, create.Type)
	require.Equal(t, int64(43), create.SchemaVersion())
	tbl := create.BinlogInfo.TableInfo
	require.Equal(t, "t_all", tbl.Name.O)
	require.True(t, tbl.PKIsHandle)
	require.Len(t, tbl.Columns, 17)
	pk := tbl.GetPkColInfo()
	require.NotNil(t, pk)
	require.Equal(t, "id", pk.Name.L)
	require.Equal(t, []*ColumnInfo{pk}, tbl.HandleColumns())
	require.Equal(t, TypeLonglong, pk.Tp)
	require.True(t, pk.IsNotNull())
	require.Equal(t, tbl.Columns[13], tbl.FindColumnByName("C_ENUM"))
	require.Equal(t, []string{"a", "b", "c"}, tbl.FindColumnByID(14).Elems)
	require.Equal(t, "bit", tbl.FindColumnByID(16).TypeName())
	require.Equal(t, "blob", tbl.FindColumnByID(8).TypeName())
	require.Equal(t, "varchar", tbl.FindColumnByID(7).TypeName())
	require.Len(t, tbl.WritableColumns(), 17)
	require.Nil(t, tbl.FindColumnByID(99))

	addCol := jobs[96]
	require.Equal(t, ActionAddColumn, addCol.Type)
	col := addCol.BinlogInfo.TableInfo.FindColumnByName("c_new")
	require.NotNil(t, col)
	v, ok := col.OriginDefault()
	require.True(t, ok)
	require.Equal(t, "42", v)
	_, ok = tbl.FindColumnByID(2).OriginDefault()
	require.False(t, ok)
	var colName CIStr
	var ifExists bool
	require.NoError(t, jobs[97].DecodeArgs(&colName, &ifExists))
	require.Equal(t, NewCIStr("c_new"), colName)
	var dropped []int64
	require.NoError(t, jobs[104].DecodeArgs(&dropped))
	require.Equal(t, []int64{88, 90, 92, 94}, dropped)
	require.NoError(t, addCol.DecodeArgs(&colName)) // null raw_args: nothing to decode

	ch := jobs[95].BinlogInfo.TableInfo
	require.True(t, ch.IsCommonHandle)
	hc := ch.HandleColumns()
	require.Len(t, hc, 2)
	require.Equal(t, "a", hc[0].Name.L)
	require.Equal(t, "b", hc[1].Name.L)
	require.Equal(t, "PRIMARY", ch.GetPrimaryKey().Name.O)

	require.Equal(t, ActionCreateSchema, jobs[85].Type)
	require.Equal(t, "goldendb", jobs[85].BinlogInfo.DBInfo.Name.L)
	require.Equal(t, ActionDropSchema, jobs[104].Type)
}

func TestUnknownMembersSurvive(t *testing.T) {
	in := `{"id":1,"type":3,"schema_id":2,"table_id":3,"schema_name":"s","table_name":"t","state":6,` +
		`"warning":null,"err":null,"err_count":0,"row_count":0,"raw_args":null,"schema_state":5,` +
		`"snapshot_ver":0,"real_start_ts":0,"start_ts":5,"dependency_id":0,"query":"q","binlog":` +
		`{"SchemaVersion":7,"DBInfo":null,"TableInfo":{"id":3,"name":{"O":"t","L":"t"},"cols":[` +
		`{"id":1,"name":{"O":"a","L":"a"},"offset":0,"origin_default":12345678901234567890,` +
		`"type":{"Tp":3,"Flag":0,"Flen":11,"Decimal":0,"Charset":"binary","Collate":"binary","Elems":null},` +
		`"state":5,"future_col":{"x":[1,2]}}],"revision":9},"FinishedTS":8,"MultipleTableInfos":null},` +
		`"version":1,"reorg_meta":null,"multi_schema_info":null,"priority":0,"seq_num":3,` +
		`"zeta":true,"alpha":"x"}`
	var j Job
	require.NoError(t, json.Unmarshal([]byte(in), &j))
	require.Equal(t, Extra{"zeta": json.RawMessage("true"), "alpha": json.RawMessage(`"x"`)}, j.Extra)
	tbl := j.BinlogInfo.TableInfo
	require.Equal(t, json.RawMessage("9"), tbl.Extra["revision"])
	c := tbl.Columns[0]
	require.Equal(t, json.Number("12345678901234567890"), c.OriginDefaultValue)
	require.Equal(t, json.RawMessage(`{"x":[1,2]}`), c.Extra["future_col"])

	out, err := json.Marshal(&j)
	require.NoError(t, err)
	var j2 Job
	require.NoError(t, json.Unmarshal(out, &j2))
	require.Equal(t, j.Extra, j2.Extra)
	require.Equal(t, tbl.Extra, j2.BinlogInfo.TableInfo.Extra)
	require.Equal(t, c.Extra, j2.BinlogInfo.TableInfo.Columns[0].Extra)
	require.Equal(t, json.Number("12345678901234567890"), j2.BinlogInfo.TableInfo.Columns[0].OriginDefaultValue)
	require.Contains(t, string(out), `"seq_num":3,"alpha":"x","zeta":true}`)
	require.Contains(t, string(out), `12345678901234567890`)

	clone, err := tbl.Clone()
	require.NoError(t, err)
	require.Equal(t, tbl.Extra, clone.Extra)
	clone.Columns[0].Name = NewCIStr("B")
	require.Equal(t, "a", tbl.Columns[0].Name.O)
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{`{"id":"x"}`, `[1]`, `{"binlog":{"TableInfo":{"cols":[{"type":{"Tp":"x"}}]}}}`, `{`} {
		var j Job
		require.Error(t, json.Unmarshal([]byte(in), &j), in)
	}
	var j Job
	require.NoError(t, json.Unmarshal([]byte(`null`), &j))
}

func TestStateAndActionNames(t *testing.T) {
	cases := []struct{ got, want string }{
		{ActionCreateSchema.String(), "create schema"},
		{ActionTruncateTable.String(), "truncate table"},
		{ActionRemovePartitioning.String(), "alter table remove partitioning"},
		{ActionType(66).String(), "none"},
		{ActionType(200).String(), "none"},
		{JobStateSynced.String(), "synced"},
		{JobStateRollbackDone.String(), "rollback done"},
		{JobState(99).String(), "none"},
		{StatePublic.String(), "public"},
		{StateDeleteOnly.String(), "delete only"},
		{SchemaState(42).String(), "none"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.got)
	}
	require.Equal(t, byte(245), TypeJSON)
	require.Equal(t, uint(4099), NotNullFlag|PriKeyFlag|NoDefaultValueFlag)
}

func TestTypeNames(t *testing.T) {
	cases := []struct {
		tp      byte
		charset string
		want    string
	}{
		{TypeLong, CharsetBin, "int"},
		{TypeVarchar, CharsetUTF8MB4, "varchar"},
		{TypeVarchar, CharsetBin, "varbinary"},
		{TypeString, CharsetBin, "binary"},
		{TypeBlob, CharsetUTF8MB4, "text"},
		{TypeBlob, CharsetBin, "blob"},
		{TypeLongBlob, CharsetBin, "longblob"},
		{TypeJSON, CharsetBin, "json"},
		{TypeNewDecimal, CharsetBin, "decimal"},
		{TypeDuration, CharsetBin, "time"},
		{TypeYear, CharsetBin, "year"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, TypeToStr(c.tp, c.charset))
	}
	ft := &FieldType{Tp: TypeLong, Flag: UnsignedFlag, Flen: 10}
	require.Equal(t, "int(10) UNSIGNED", ft.String())
	require.True(t, ft.IsUnsigned())
	ft = &FieldType{Tp: TypeEnum, Elems: []string{"a", "b'c"}, Charset: CharsetUTF8MB4}
	require.Equal(t, "enum('a','b''c')", ft.String())
	clone := ft.Clone()
	clone.Elems[0] = "z"
	require.Equal(t, "a", ft.Elems[0])
	require.Equal(t, 0, NewFieldType(TypeDatetime).Fsp())
	require.True(t, IsTypeInteger(TypeYear))
	require.True(t, IsString(TypeVarString))
	require.False(t, IsString(TypeJSON))
}

func FuzzJobJSON(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "ddl_jobs.json"))
	require.NoError(f, err)
	var g struct {
		Jobs []goldenJob `json:"jobs"`
	}
	require.NoError(f, json.Unmarshal(data, &g))
	for _, j := range g.Jobs[:4] {
		f.Add([]byte(j.MetaValue))
	}
	f.Add([]byte(`{"id":1,"x":{"y":null}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var j Job
		if json.Unmarshal(in, &j) != nil {
			return
		}
		out, err := json.Marshal(&j)
		if err != nil {
			return // e.g. invalid UTF-8 kept in a raw member
		}
		var j2 Job
		require.NoError(t, json.Unmarshal(out, &j2))
		out2, err := json.Marshal(&j2)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))
	})
}

func TestTableHelpers(t *testing.T) {
	in := `{"id":10,"name":{"O":"T","L":"t"},"cols":[` +
		`{"id":1,"name":{"O":"a","L":"a"},"offset":0,"type":{"Tp":3,"Flag":1},"state":5,"default":"7"},` +
		`{"id":2,"name":{"O":"g","L":"g"},"offset":1,"type":{"Tp":3},"state":5,"generated_expr_string":"a+1"},` +
		`{"id":3,"name":{"O":"d","L":"d"},"offset":2,"type":{"Tp":16,"Flen":8},"state":2,"default_bit":"AQ==","origin_default":true}],` +
		`"index_info":[{"id":1,"idx_name":{"O":"uk","L":"uk"},"idx_cols":[{"name":{"O":"a","L":"a"},"offset":0,"length":-1}],"is_unique":true,"state":5}],` +
		`"partition":{"type":1,"expr":"a","enable":true,"definitions":[{"id":11,"name":{"O":"p0","L":"p0"},"less_than":["10"],"x":1},{"id":12,"name":{"O":"p1","L":"p1"}}],"y":2},` +
		`"view":null,"sequence":{"start":1}}`
	var tbl TableInfo
	require.NoError(t, json.Unmarshal([]byte(in), &tbl))
	require.Equal(t, "uk", tbl.GetPrimaryKey().Name.L)
	require.Equal(t, tbl.Indices[0], tbl.FindIndexByName("UK"))
	require.Nil(t, tbl.FindIndexByName("x"))
	require.Nil(t, tbl.GetPkColInfo())
	require.Nil(t, tbl.HandleColumns())
	require.Equal(t, []int64{11, 12}, tbl.PartitionIDs())
	require.Equal(t, json.RawMessage("1"), tbl.Partition.Definitions[0].Extra["x"])
	require.Equal(t, json.RawMessage("2"), tbl.Partition.Extra["y"])
	require.False(t, tbl.IsView())
	require.True(t, tbl.IsSequence())
	require.Len(t, tbl.PublicColumns(), 2)
	w := tbl.WritableColumns()
	require.Len(t, w, 1)
	require.Equal(t, "a", w[0].String())
	require.True(t, tbl.Columns[1].IsGenerated())
	require.False(t, tbl.Columns[2].IsPublic())
	v, ok := tbl.Columns[0].Default()
	require.True(t, ok)
	require.Equal(t, "7", v)
	v, ok = tbl.Columns[2].Default()
	require.True(t, ok)
	require.Equal(t, "\x01", v)
	v, ok = tbl.Columns[2].OriginDefault()
	require.True(t, ok)
	require.Equal(t, "1", v)
	require.Equal(t, TypeBit, tbl.Columns[2].Type().Tp)
	out, err := json.Marshal(&tbl)
	require.NoError(t, err)
	var back TableInfo
	require.NoError(t, json.Unmarshal(out, &back))
	out2, err := json.Marshal(&back)
	require.NoError(t, err)
	require.Equal(t, string(out), string(out2))

	j := &Job{ID: 3, Type: ActionDropTable, State: JobStateRollbackDone}
	require.True(t, j.IsCancelled())
	require.False(t, j.IsDone())
	require.Zero(t, j.SchemaVersion())
	require.Zero(t, j.FinishedTS())
	require.Contains(t, j.String(), "Type:drop table")
	body, err := MarshalJobsIndent(nil)
	require.NoError(t, err)
	require.Equal(t, "[]", string(body))
	require.Equal(t, "ActionType(4)", ActionDropTable.GoString())
	ft := &FieldType{Tp: TypeDatetime, Decimal: 3}
	require.Equal(t, "datetime(3)", ft.String())
	require.Equal(t, "decimal(10,2)", (&FieldType{Tp: TypeNewDecimal, Flen: 10, Decimal: 2}).String())
}
