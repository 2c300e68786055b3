// Package membudget is the drainer's one memory budget (memory-limit, SPEC
// 5.1): the bytes of the binlogs between their receipt from a pump and the
// downstream's confirmation. The collector acquires a binlog's bytes before
// queueing it, the merge marks them as having left the pump's queue, the
// syncer resizes them to what the decoded transaction holds and releases them
// once the sink confirmed the binlog (or when nothing is sent for it).
//
// One binlog larger than the whole budget is admitted only when nothing else
// is held, so two giants are never held at once by one pump. The merge needs a
// binlog from every pump before it emits anything; so that a pump whose queue
// is empty can never be starved by binlogs the merge holds waiting for it, a
// binlog for an empty queue is also admitted when every byte held is still
// queued before the merge (nothing downstream can free any). The syncer
// grows a transaction's charge while it decodes and translates it, waiting
// for room unless nothing is in the sink (then only the syncer itself could
// free bytes, and waiting would deadlock).
package membudget
