package binlogpb

import "google.golang.org/protobuf/proto"

// NewBinlog returns a Binlog with every non-nullable field of the original
// gogoproto definition set, so that Marshal writes them even when zero,
// byte for byte like TiDB does.
func NewBinlog(tp BinlogType, startTS, commitTS int64) *Binlog {
	return &Binlog{
		Tp:             tp.Enum(),
		StartTs:        proto.Int64(startTS),
		CommitTs:       proto.Int64(commitTS),
		DdlJobId:       proto.Int64(0),
		DdlSchemaState: proto.Int32(0),
	}
}

// IsFake reports whether b is a fake binlog: a watermark a pump writes while
// idle, recognised by start_ts == commit_ts. It is never applied downstream.
func (b *Binlog) IsFake() bool {
	return b.GetStartTs() == b.GetCommitTs() && b.GetStartTs() != 0
}

// IsProbe reports whether b is the empty probe the pump client sends to check
// that a pump is reachable (start_ts and commit_ts both zero).
func (b *Binlog) IsProbe() bool {
	return b.GetStartTs() == 0 && b.GetCommitTs() == 0
}

// FillDefaults sets the non-nullable fields of the original definition that
// are nil to their zero value, so that Marshal writes them like gogoproto did.
func (b *Binlog) FillDefaults() {
	if b.Tp == nil {
		b.Tp = BinlogType_Prewrite.Enum()
	}
	if b.StartTs == nil {
		b.StartTs = proto.Int64(0)
	}
	if b.CommitTs == nil {
		b.CommitTs = proto.Int64(0)
	}
	if b.DdlJobId == nil {
		b.DdlJobId = proto.Int64(0)
	}
	if b.DdlSchemaState == nil {
		b.DdlSchemaState = proto.Int32(0)
	}
}

// FillDefaults sets the non-nullable fields (schema_version, and table_id of
// every mutation) that are nil to zero, as gogoproto always wrote them.
func (p *PrewriteValue) FillDefaults() {
	if p.SchemaVersion == nil {
		p.SchemaVersion = proto.Int64(0)
	}
	for _, m := range p.Mutations {
		if m.TableId == nil {
			m.TableId = proto.Int64(0)
		}
	}
}
