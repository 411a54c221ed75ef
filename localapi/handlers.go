package localapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/exchange"
	"dev.hookscope/replay"
	"dev.hookscope/signature"
	"dev.hookscope/storage"
	"dev.hookscope/wire"
)

// MaxWait bounds one long poll; clients loop for longer waits.
const MaxWait = 10 * time.Minute

// getOne answers one request as show --json does (secrets redacted for a
// read token).
func (s *Server) getOne(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("body") == "raw" {
		s.getOneRawBody(w, r)
		return
	}
	byID(func(id uint64) (wire.RequestJSON, error) {
		rec, err := s.core.Get(id)
		if err != nil {
			return wire.RequestJSON{}, err
		}
		return wire.NewRequestJSON(shownRecord(r, rec)), nil
	})(w, r)
}

// rawRecordType is the answer to GET /v1/requests/{id}?body=raw
// (docs/cli.md, "Local API"): the show --json object without its body, a
// newline, then the body's bytes as stored. A 5 MB body crossed the
// network as 6.7 MB of base64 inside JSON, which encoding/json scans on
// both sides: 140 ms on loopback where the store reads it in 4 ms.
const rawRecordType = "application/x-hookscope-record"

// getOneRawBody answers one request with its body after the JSON, as the
// caller may see it (redacted for a read token, as getOne is).
func (s *Server) getOneRawBody(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	rec, err := s.core.Get(id)
	if err != nil {
		storeError(w, err)
		return
	}
	shown := *shownRecord(r, rec)
	body := shown.Body
	shown.Body = nil
	w.Header().Set("Content-Type", rawRecordType)
	if err := json.NewEncoder(w).Encode(wire.NewRequestJSON(&shown)); err != nil {
		return
	}
	w.Write(body)
}

// replays answers one request's replay history (secrets redacted for a
// read token).
func (s *Server) replays(w http.ResponseWriter, r *http.Request) {
	byID(func(id uint64) ([]storage.ReplayRecord, error) {
		list, err := s.core.Replays(id)
		return shownReplays(r, list), err
	})(w, r)
}

// byID serves a read of one request's data: the ID from the path, what
// fetch returns as JSON, a store error as its status.
func byID[T any](fetch func(id uint64) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		v, err := fetch(id)
		if err != nil {
			storeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// answer is what a response rule answered a request, null when none did.
func (s *Server) answer(id uint64) (*storage.AnswerRecord, error) {
	if _, err := s.core.Summary(id); err != nil {
		return nil, err
	}
	a, ok, err := s.core.RuleAnswer(id)
	if err != nil || !ok {
		return nil, err
	}
	return &a, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, wire.Error{Error: msg})
}

func storeError(w http.ResponseWriter, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

func pathID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a request ID", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// ping names the database only on the socket: a TCP client may be on
// another machine, and the path tells it about this one.
func (s *Server) ping(w http.ResponseWriter, r *http.Request, overTCP bool) {
	newest, err := s.core.NewestID()
	if err != nil {
		storeError(w, err)
		return
	}
	answer := map[string]any{"ok": true, "listening": s.core.ListenerURL(), "newest": newest}
	if !overTCP {
		answer["db"] = s.core.DBPath()
	}
	writeJSON(w, http.StatusOK, answer)
}

// filterFromQuery reads method, path, header (repeated), json_path, since.
func filterFromQuery(r *http.Request) (app.Filter, error) {
	q := r.URL.Query()
	f := app.Filter{Method: q.Get("method"), PathGlob: q.Get("path")}
	for _, h := range q["header"] {
		hc, err := app.ParseHeaderCond(h)
		if err != nil {
			return f, err
		}
		f.Headers = append(f.Headers, hc)
	}
	if err := app.CheckGlob(f.PathGlob); err != nil {
		return f, err
	}
	if e := q.Get("json_path"); e != "" {
		jc, err := app.ParseJSONCond(e)
		if err != nil {
			return f, err
		}
		f.JSON = jc
	}
	if v := q.Get("since"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return f, fmt.Errorf("since %q is not a request ID", v)
		}
		f.SinceID = id
	}
	return f, nil
}

// list streams matching summaries as JSON Lines, oldest first, exactly the
// lines `list --json` prints.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	f, err := filterFromQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	sent := 0
	for after := f.SinceID; limit <= 0 || sent < limit; {
		page, err := s.core.Summaries(after, 1000)
		if err != nil {
			return
		}
		for _, sum := range page {
			after = sum.ID
			if s.matches(f, sum) {
				enc.Encode(wire.NewSummaryJSON(sum))
				if sent++; limit > 0 && sent >= limit {
					return
				}
			}
		}
		if len(page) < 1000 {
			return
		}
	}
}

func (s *Server) matches(f app.Filter, sum storage.Summary) bool {
	if !f.MatchSummary(sum) {
		return false
	}
	if !f.NeedsRecord() {
		return true
	}
	rec, err := s.core.Get(sum.ID)
	return err == nil && f.Match(rec)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, err := s.core.Summary(id); err != nil {
		storeError(w, err)
		return
	}
	if err := s.core.Delete(id); err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"deleted": id})
}

// add stores a request given in `show --json` form (import goes through it).
func (s *Server) add(w http.ResponseWriter, r *http.Request) {
	var in wire.RequestJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a request in show --json form: "+err.Error())
		return
	}
	rec, err := in.Record()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := s.core.Append(r.Context(), rec)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"id": id})
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, overTCP bool) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in wire.VerifyRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a verify request: "+err.Error())
		return
	}
	rec, err := s.core.Get(id)
	if err != nil {
		storeError(w, err)
		return
	}
	opt := signature.Options{Secret: in.Secret, URL: in.URL}
	if in.Tolerance != "" {
		if opt.Tolerance, err = app.ParseTolerance(in.Tolerance); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if in.URL != "" && signature.CheckURL(in.URL) != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`"url" %q is not an http:// or https:// URL with a host: give the public URL the sender signed`, in.URL))
		return
	}
	key, err := app.ResolveSigningKey(rec.Path, in.Scheme, in.Secret, rec.Header, s.core.SecretFor)
	if errors.Is(err, app.ErrNoSecret) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`no "secret" given and none saved for %s`, rec.Path))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	in.Scheme, opt = key.Scheme, key.Apply(opt)
	res, err := app.VerifyRecord(rec, in.Scheme, opt)
	if err != nil {
		// An unknown scheme, or options that cannot check any request
		// (signature.ErrConfig): the caller's mistake, not a verdict.
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if overTCP && key.Saved {
		res.Expected, res.SignedPayload = "", ""
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) secretMatch(w http.ResponseWriter, r *http.Request) {
	rule, ok := s.core.SecretFor(r.URL.Query().Get("path"))
	if !ok {
		writeError(w, http.StatusNotFound, "no secret saved for this path")
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

// wait is a long poll: it answers with the first `count` matches as JSON
// Lines of `show --json` objects; 408 when `timeout` passes first and 503
// when the server begins to stop, both with the matches found until then
// (wire.WaitError).
func (s *Server) wait(w http.ResponseWriter, r *http.Request) {
	f, err := filterFromQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	count := 1
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil || count < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("count %q is not a number of requests, 1 or more", v))
			return
		}
	}
	timeout := MaxWait
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("timeout %q is not a duration, 0 or more (like 30s)", v))
			return
		}
		if d > 0 && d < MaxWait {
			timeout = d
		}
	}
	if q.Get("since") == "" {
		if f.SinceID, err = s.core.NewestID(); err != nil {
			storeError(w, err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	var stopped bool // set before watched is closed
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-s.stop:
			stopped = true
			cancel()
		case <-ctx.Done():
		}
	}()
	found, err := s.core.Wait(ctx, f, count)
	if err == nil {
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, rec := range found {
			enc.Encode(wire.NewRequestJSON(shownRecord(r, rec)))
		}
		return
	}
	cancel()
	<-watched
	answer := wire.WaitError{Error: err.Error(), Since: f.SinceID, Requests: make([]wire.RequestJSON, 0, len(found))}
	for _, rec := range found {
		answer.Requests = append(answer.Requests, wire.NewRequestJSON(shownRecord(r, rec)))
	}
	switch {
	case stopped:
		answer.Error = fmt.Sprintf("the Hookscope serving this database stopped before %d request(s) with %s arrived", count, f.Describe())
		writeJSON(w, http.StatusServiceUnavailable, answer)
	case r.Context().Err() != nil: // the client left
	case errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusRequestTimeout, answer)
	default:
		storeError(w, err)
	}
}

// events streams new summaries as server-sent events until the client
// leaves or the server stops.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	after, err := s.core.NewestID()
	if err != nil {
		storeError(w, err)
		return
	}
	sub := s.core.Subscribe()
	defer sub.Close()
	from, resumed := resumeFrom(r, after)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": hookscope events\n\n")
	if resumed {
		if after, err = s.sendNew(w, from); err != nil {
			return
		}
	}
	flusher.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-sub.C:
			sub.Take()
			if after, err = s.sendNew(w, after); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

func (s *Server) sendNew(w http.ResponseWriter, after uint64) (uint64, error) {
	page, err := s.core.Summaries(after, 0)
	if err != nil {
		return after, err
	}
	for _, sum := range page {
		data, _ := json.Marshal(wire.NewSummaryJSON(sum))
		if _, err := fmt.Fprintf(w, "id: %d\nevent: request\ndata: %s\n\n", sum.ID, data); err != nil {
			return after, err
		}
		after = sum.ID
	}
	return after, nil
}

// addReplay keeps a replay made by a command in the history.
func (s *Server) addReplay(w http.ResponseWriter, r *http.Request) {
	var in storage.ReplayRecord
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a replay record: "+err.Error())
		return
	}
	var missing []string
	if in.SourceID == 0 {
		missing = append(missing, `"source_id"`)
	}
	if strings.TrimSpace(in.Target) == "" {
		missing = append(missing, `"target"`)
	}
	if strings.TrimSpace(in.Method) == "" {
		missing = append(missing, `"method"`)
	}
	if len(missing) > 0 {
		writeError(w, http.StatusBadRequest, "a replay record needs the replayed request's ID, the target and the method: "+strings.Join(missing, ", ")+" missing")
		return
	}
	if _, err := s.core.Summary(in.SourceID); err != nil {
		storeError(w, err)
		return
	}
	id, err := s.core.AppendReplay(in)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"id": id})
}

// replaySpec reads a replay request into what the core sends.
func replaySpec(in wire.ReplayRequest) (app.ReplaySpec, error) {
	spec := app.ReplaySpec{Target: in.To, Resign: in.Resign, Scheme: in.Scheme, Secret: in.Secret}
	spec.Edit.Method = in.Method
	for _, h := range in.Headers {
		e, err := replay.ParseHeaderEdit(h)
		if err != nil {
			return spec, err
		}
		spec.Edit.Headers = append(spec.Edit.Headers, e)
	}
	if in.BodyBase64 != nil {
		body, err := base64.StdEncoding.DecodeString(*in.BodyBase64)
		if err != nil {
			return spec, fmt.Errorf("body_base64: %w", err)
		}
		spec.Edit.Body, spec.Edit.ReplaceBody = body, true
	}
	if in.Timeout != "" {
		d, err := time.ParseDuration(in.Timeout)
		if err != nil {
			return spec, fmt.Errorf("timeout %q is not a duration", in.Timeout)
		}
		if d == 0 {
			d = -1 // 0 waits forever, as `replay --timeout 0` does
		}
		spec.Send.Timeout = d
	}
	spec.Send.Insecure = in.Insecure
	return spec, nil
}

// replayRequest sends a capture again from the running instance; the
// answer has `replay --json`'s fields. No answer from the target is 502; a
// replay that cannot be built (no or bad target, no secret) is 400. Over
// TCP, re-signing needs the caller's own secret: a saved one would sign
// whatever the caller sends to wherever it likes.
func (s *Server) replayRequest(w http.ResponseWriter, r *http.Request, overTCP bool) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in wire.ReplayRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a replay request: "+err.Error())
		return
	}
	if strings.TrimSpace(in.To) == "" {
		writeError(w, http.StatusBadRequest, `replay needs a target URL in "to"`)
		return
	}
	if overTCP && in.Resign && in.Secret == "" {
		writeError(w, http.StatusForbidden, `over TCP, re-signing needs your secret in "secret": saved secrets are used only through the socket`)
		return
	}
	spec, err := replaySpec(in)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := s.core.Summary(id); err != nil {
		storeError(w, err)
		return
	}
	entry, err := s.core.Replay(r.Context(), id, spec)
	if err != nil && entry.ID == 0 {
		if entry.Target == "" && !errors.Is(err, storage.ErrNotFound) {
			// Nothing was sent: the replay could not be built.
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		storeError(w, err)
		return
	}
	if entry.Error != "" {
		writeJSON(w, http.StatusBadGateway, wire.NewReplayErrorJSON(entry))
		return
	}
	writeJSON(w, http.StatusOK, wire.NewReplayJSON(entry))
}

// export streams requests (id=… repeated, or all) as har, curl or raw.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	format, err := exchange.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var ids []uint64
	for _, v := range r.URL.Query()["id"] {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a request ID", v))
			return
		}
		if _, err := s.core.Summary(id); err != nil {
			storeError(w, err)
			return
		}
		ids = append(ids, id)
	}
	enc, err := exchange.NewEncoderWith(w, format, exchange.Options{IncludeSecrets: r.URL.Query().Get("include_secrets") != "",
		CreatorVersion: app.Version(), Answer: s.core.RuleAnswer})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(ids) == 0 {
		if ids, err = s.core.IDs(); err != nil {
			storeError(w, err)
			return
		}
	}
	for _, id := range ids {
		if rec, err := s.core.Get(id); err == nil {
			enc.Encode(rec)
		}
	}
	enc.Close()
}

// importFile stores the requests in a HAR, raw HTTP or curl file.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 512<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read the file: "+err.Error())
		return
	}
	// The zero options read no file a curl command names: the caller may
	// be another user's process or a web page's request to the TCP API,
	// and the server's files (its token, its database, /etc) are not theirs.
	res, err := exchange.ImportOptions{}.Import(data)
	var refused *exchange.FileRefusedError
	if errors.As(err, &refused) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the curl command reads the file %q; an import through the API cannot read files: "+
			"import it with `hookscope import FILE` on the machine that has them, or paste the content", refused.Name))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ids := make([]uint64, 0, len(res.Records))
	for _, rec := range res.Records {
		id, err := s.core.Append(r.Context(), rec)
		if err != nil {
			storeError(w, err)
			return
		}
		ids = append(ids, id)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ids": ids, "format": res.Format, "warnings": res.Warnings})
}

func (s *Server) getRetention(w http.ResponseWriter, r *http.Request) {
	ret, err := s.core.Retention()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ret)
}

func (s *Server) putRetention(w http.ResponseWriter, r *http.Request) {
	var in storage.Retention
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a retention policy: "+err.Error())
		return
	}
	if err := s.core.SetRetention(in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, in)
}
