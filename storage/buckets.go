package storage

// Every bucket and fixed key of the file, in one place. A request's own
// data is keyed by its ID (8 bytes, big-endian) in each request bucket;
// what happened to it afterwards is in the linked buckets, deleted with it.
var (
	bucketMeta     = []byte("meta")     // schema_version, request_count, replay_split_from
	bucketSettings = []byte("settings") // name → value (see the Setting* names)

	bucketSummaries = []byte("summaries") // id → summary (what the list shows)
	bucketDetails   = []byte("details")   // id → query, proto, host, headers
	bucketBodies    = []byte("bodies")    // id → body bytes as received

	// A replay is two values under its ID (schema 2): its metadata, what
	// the monitor and lists read, and its headers and bodies, read only
	// when one replay is shown (see replays.go).
	bucketReplays         = []byte("replays")           // replay id → ReplayRecord as JSON, without headers or bodies
	bucketReplayBodies    = []byte("replay_bodies")     // replay id → headers and bodies (encodeReplayBodies)
	bucketReplaysBySource = []byte("replays_by_source") // sourceID ‖ replayID → empty
	bucketDrafts          = []byte("drafts")            // id → Draft
	bucketForwards        = []byte("forwards")          // id → ForwardResult
	bucketAnswers         = []byte("answers")           // id → the answer a rule sent
	bucketContracts       = []byte("contract_verdicts") // id → a contract check's verdict (contracts.go)

	bucketComposerHistory     = []byte("composer_history")     // id → HistoryEntry
	bucketComposerCollections = []byte("composer_collections") // id → CollectionItem
	bucketComposerEnvs        = []byte("composer_environments")

	keySchema       = []byte("schema_version")
	keyCount        = []byte("request_count")
	keyEnvironments = []byte("environments")
	// keySplitFrom is present while a schema-1 file's replays are being
	// split: the key of the next replay to split (migrate.go).
	keySplitFrom = []byte("replay_split_from")
)

// requestBuckets hold a request itself; linkedBuckets what followed from
// it (the replay index's keys start with the request's ID).
var (
	requestBuckets = [][]byte{bucketSummaries, bucketDetails, bucketBodies}
	linkedBuckets  = [][]byte{bucketReplays, bucketReplayBodies, bucketReplaysBySource, bucketDrafts, bucketForwards, bucketAnswers, bucketContracts}
)

// allBuckets are the top-level buckets a Hookscope file may hold.
func allBuckets() [][]byte {
	out := [][]byte{bucketMeta, bucketSettings}
	out = append(out, requestBuckets...)
	out = append(out, linkedBuckets...)
	return append(out, bucketComposerHistory, bucketComposerCollections, bucketComposerEnvs)
}

// Names of the settings the core keeps in the settings bucket.
const (
	SettingSecrets       = "signature_secrets"
	SettingRetention     = "retention"
	SettingForwardRules  = "forward_rules"
	SettingResponseRules = "response_rules"
	SettingAPITokens     = "api_tokens" // hashed API tokens and their roles (app/tokens.go)
	// The listener's TLS certificate and key (capture/tls.go).
	SettingTLSCert = "tls_cert_pem"
	SettingTLSKey  = "tls_key_pem"
	// The TCP local API's TLS certificate and key (--api-tls).
	SettingAPITLSCert = "api_tls_cert_pem"
	SettingAPITLSKey  = "api_tls_key_pem"
	// The OpenAPI specs attached to path prefixes (app/contracts.go); each
	// spec's bytes are under SettingContractSpecPrefix + its SHA-256.
	SettingContracts          = "contracts"
	SettingContractSpecPrefix = "contract_spec:"
	// The spec a composer collection was imported from, by collection
	// name ({"spec","spec_sha256"}); its bytes are kept under
	// SettingContractSpecPrefix like an attached spec's (app/composer).
	SettingComposerSpecPrefix = "composer_openapi:"
	// Alert rules, webhook URLs in clear, and the recently fired alerts
	// (app/alerts.go).
	SettingAlertRules  = "alert_rules"
	SettingAlertsFired = "alerts_fired"
)
