package app

import (
	"context"

	"dev.hookscope/alerts"
	"dev.hookscope/contract"
	"dev.hookscope/rules"
	"dev.hookscope/storage"
)

// Backend is every capability a front end uses on a store. The core
// answers it for a file this process opened; the local API's client
// answers it for the instance that holds the file. A command is written
// once against Backend and behaves the same on either side (docs/cli.md,
// "Which side answers").
type Backend interface {
	Summaries(afterID uint64, limit int) ([]storage.Summary, error)
	Get(id uint64) (*storage.Record, error)
	Append(ctx context.Context, rec *storage.Record) (uint64, error)
	Delete(ids ...uint64) error
	// RuleAnswer is what a response rule answered request id; ok is
	// false when none did (the default answer, or a relay).
	RuleAnswer(id uint64) (a storage.AnswerRecord, ok bool, err error)
	// Replay sends a capture again and keeps the exchange in its history;
	// an exchange that got no answer is returned with its Error set.
	Replay(ctx context.Context, id uint64, spec ReplaySpec) (storage.ReplayRecord, error)

	// SecretFor is the saved rule for a path, secret included: only the
	// owner's socket ever answers it.
	SecretFor(path string) (SecretRule, bool)
	// SecretRules lists the saved rules with their secrets masked.
	SecretRules() ([]SecretRule, error)
	SaveSecret(rule SecretRule) error
	DeleteSecret(prefix string) error

	Retention() (storage.Retention, error)
	SetRetention(r storage.Retention) error
	ResponseRules() ([]rules.Rule, error)
	SetResponseRules(list []rules.Rule) error
	ForwardRules() ([]ForwardRule, error)
	SetForwardRules(list []ForwardRule) error

	// AlertRules lists the alert rules, webhook URLs masked; SetAlertRules
	// takes a URL given back masked as "keep the saved one".
	AlertRules() ([]alerts.Rule, error)
	SetAlertRules(list []alerts.Rule) error
	// FiredAlerts is the recently fired alerts, oldest first.
	FiredAlerts() ([]alerts.Fired, error)
	// TestAlert fires the named rule once, now, and returns it with its
	// webhook's answer.
	TestAlert(name string) (alerts.Fired, error)

	// Contracts lists the OpenAPI specs attached to path prefixes.
	Contracts() ([]ContractAttachment, error)
	AttachContract(prefix string, spec []byte) (ContractAttachment, error)
	DetachContract(prefix string) error
	// ContractVerdict is the verdict kept with request id, nil when it
	// was never checked; CheckContract checks it now (ErrNoContract when
	// no spec is given and none is attached to its path).
	ContractVerdict(id uint64) (*contract.Verdict, error)
	CheckContract(id uint64, spec []byte) (contract.Verdict, error)

	// Tokens lists the API tokens, never the tokens themselves.
	Tokens() ([]TokenInfo, error)
	// AddToken makes a token with a role and returns it, the only time
	// it is ever shown.
	AddToken(name string, role Role) (token string, info TokenInfo, err error)
	RevokeToken(name string) error

	Close() error
}

var _ Backend = (*Core)(nil)
