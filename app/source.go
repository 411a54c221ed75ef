package app

import (
	"context"
	"errors"
	"time"

	"dev.hookscope/alerts"
	"dev.hookscope/contract"
	"dev.hookscope/rules"
	"dev.hookscope/storage"
)

// LiveSource announces changes to a store as the hub does: Added when
// requests were stored, Reset when some were deleted.
type LiveSource interface {
	Subscribe() *Subscription
}

// Source is what the window reads and does on a store: the list's shape
// and rows, a record, live changes, delete, replay and its history, a
// rule's answer, and the settings its dialogs edit. The core answers it
// for the file this process opened; localapi.RemoteSource answers it for
// a `serve --api --api-tls` elsewhere (docs/cli.md, "Attach the window"),
// so the window is written once for both.
//
// What only the process holding the store can do (start or stop its
// listener, its live metrics, the composer sending from this machine,
// bulk replay, desktop notifications of its alerts) is not here: the window asks for a *Core for those and
// says they are local-only when it has none.
type Source interface {
	LiveSource

	Summaries(afterID uint64, limit int) ([]storage.Summary, error)
	Summary(id uint64) (storage.Summary, error)
	// IDs lists every ID, oldest first.
	IDs() ([]uint64, error)
	Count() (int, error)
	NewestID() (uint64, error)
	OldestID() (uint64, error)
	FilterIDs(ctx context.Context, f Filter, progress func(done, total int)) ([]uint64, error)
	Matches(f Filter, id uint64) bool

	Get(id uint64) (*storage.Record, error)
	Append(ctx context.Context, rec *storage.Record) (uint64, error)
	Delete(ids ...uint64) error
	Clear() error

	RuleAnswer(id uint64) (storage.AnswerRecord, bool, error)
	ForwardResult(id uint64) (storage.ForwardResult, bool, error)
	Replay(ctx context.Context, id uint64, spec ReplaySpec) (storage.ReplayRecord, error)
	Replays(id uint64) ([]storage.ReplayRecord, error)
	Draft(id uint64) (storage.Draft, bool, error)
	SaveDraft(id uint64, d storage.Draft) error
	DiscardDraft(id uint64) error

	// ListenerURL is where the store's listener captures, "" when none.
	ListenerURL() string
	Setting(name string) string
	PutSetting(name, value string) error
	SecretFor(path string) (SecretRule, bool)
	SaveSecret(rule SecretRule) error
	Retention() (storage.Retention, error)
	SetRetention(r storage.Retention) error
	ResponseRules() ([]rules.Rule, error)
	SetResponseRules(list []rules.Rule) error
	ForwardRules() ([]ForwardRule, error)
	SetForwardRules(list []ForwardRule) error

	// Alert rules are kept and evaluated by the store's process; the
	// window edits, lists and tests them there (its desktop
	// notifications follow only a local core's alerts).
	AlertRules() ([]alerts.Rule, error)
	SetAlertRules(list []alerts.Rule) error
	FiredAlerts() ([]alerts.Fired, error)
	TestAlert(name string) (alerts.Fired, error)

	// ContractVerdict is the verdict kept with a request, nil when it was
	// never checked; CheckContract checks it now (docs/cli.md,
	// "contracts" and "validate").
	ContractVerdict(id uint64) (*contract.Verdict, error)
	CheckContract(id uint64, spec []byte) (contract.Verdict, error)

	// Metrics and MetricsSinceStart are what the Monitor shows: per
	// minute from the store's history, and the Prometheus counters.
	Metrics(now time.Time, window time.Duration) (Metrics, error)
	MetricsSinceStart() (SinceStart, error)
}

var _ Source = (*Core)(nil)

// ErrLocalOnly is wrapped by what a remote store cannot do from here
// because it belongs to the process on the store's machine.
var ErrLocalOnly = errors.New("only on the machine running the store")
