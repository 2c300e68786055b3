package tidblite

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// newAnalyzer is the engine's default analyzer plus tidb-lite's rules.
func newAnalyzer(pro sql.DatabaseProvider) *analyzer.Analyzer {
	return analyzer.NewBuilder(pro).AddPostAnalyzeRule(ruleTimeAsText, timeCastAsText).Build()
}

// ruleTimeAsText is the ID of timeCastAsText: above the engine's own IDs.
const ruleTimeAsText analyzer.RuleId = 100_000

// timeCastAsText makes CAST(<TIME> AS CHAR) work: the engine cannot turn a
// TIME value into text and yields NULL. MySQL gives "08:00:00"; the loader
// reads a server's UTC offset with
// `SELECT CAST(TIMEDIFF(NOW(6), UTC_TIMESTAMP(6)) AS CHAR)`.
func timeCastAsText(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.NodeExprsWithOpaque(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		c, ok := e.(*expression.Convert)
		if !ok || !types.IsText(c.Type()) || !types.IsTimespan(c.Child.Type()) {
			return e, transform.SameTree, nil
		}
		if _, done := c.Child.(timeText); done {
			return e, transform.SameTree, nil
		}
		ne, err := c.WithChildren(timeText{c.Child})
		if err != nil {
			return nil, transform.SameTree, err
		}
		return ne, transform.NewTree, nil
	})
}

// timeText evaluates a TIME expression to its text form.
type timeText struct {
	sql.Expression
}

// Type implements sql.Expression.
func (timeText) Type() sql.Type { return types.LongText }

// Eval implements sql.Expression.
func (t timeText) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	v, err := t.Expression.Eval(ctx, row)
	if ts, ok := v.(types.Timespan); ok && err == nil {
		return ts.String(), nil
	}
	return v, err
}

// Children implements sql.Expression.
func (t timeText) Children() []sql.Expression { return []sql.Expression{t.Expression} }

// WithChildren implements sql.Expression.
func (t timeText) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 1 {
		return nil, sql.ErrInvalidChildrenNumber.New(t, len(children), 1)
	}
	return timeText{children[0]}, nil
}
