package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dev.hookscope/storage"
)

// The import side declares only the fields it reads, so the extra ones
// browsers write (_initiator, serverIPAddress, pages, ...) pass unnoticed.

type harInFile struct {
	Log *struct {
		Entries []harInEntry `json:"entries"`
	} `json:"log"`
}

type harInEntry struct {
	StartedDateTime string    `json:"startedDateTime"`
	Request         *harInReq `json:"request"`
	// Pointers tell an absent extension from a zero one.
	Truncated    *bool  `json:"_truncated"`
	OriginalSize *int64 `json:"_originalSize"`
	RemoteAddr   string `json:"_remoteAddr"`
}

type harInReq struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Headers     []harNameValue `json:"headers"`
	QueryString []harNameValue `json:"queryString"`
	PostData    *harInPostData `json:"postData"`
}

type harInPostData struct {
	MimeType string     `json:"mimeType"`
	Text     string     `json:"text"`
	Params   []harParam `json:"params"`
	Encoding string     `json:"_encoding"`
	// Some tools write the response-style field name on requests too.
	StdEncoding string `json:"encoding"`
}

type harParam struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
}

func (o ImportOptions) importHAR(data []byte) (*ImportResult, error) {
	var f harInFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a HAR file (%v); %w", err, ErrUnsupported)
	}
	if f.Log == nil {
		return nil, fmt.Errorf("a JSON file without a HAR \"log\" object; %w", ErrUnsupported)
	}
	res := &ImportResult{Format: FormatHAR}
	for i, e := range f.Log.Entries {
		rec, err := o.harRecord(e)
		if err != nil {
			return nil, fmt.Errorf("HAR entry %d: %w", i+1, err)
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

func (o ImportOptions) harRecord(e harInEntry) (*storage.Record, error) {
	if e.Request == nil || e.Request.Method == "" {
		return nil, fmt.Errorf("no request method")
	}
	r := e.Request
	host, path, query := urlParts(r.URL)
	if query == "" && len(r.QueryString) > 0 {
		query = encodeQuery(r.QueryString)
	}
	rec := &storage.Record{
		Summary:    storage.Summary{Method: r.Method, Path: path, ReceivedAt: o.harTime(e.StartedDateTime)},
		RawQuery:   query,
		Proto:      harProto(r.HTTPVersion),
		RemoteAddr: e.RemoteAddr,
	}
	rec.Host, rec.Header = harHeaderMap(r.Headers, host)
	body, err := harBody(r.PostData, rec.Header)
	if err != nil {
		return nil, err
	}
	rec.Body = body
	if e.OriginalSize != nil {
		rec.OriginalSize = *e.OriginalSize
	}
	if e.Truncated != nil {
		rec.Truncated = *e.Truncated
	}
	return finish(rec), nil
}

func (o ImportOptions) harTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return o.now()
}

// harProto turns browsers' spellings ("http/1.1", "h2", "h3") into Go's.
func harProto(v string) string {
	switch strings.ToLower(v) {
	case "", "unknown":
		return "HTTP/1.1"
	case "h2", "http/2", "http/2.0":
		return "HTTP/2.0"
	case "h3", "http/3", "http/3.0":
		return "HTTP/3.0"
	}
	return strings.ToUpper(v)
}

// harHeaderMap keeps Host apart (the record does) and drops HTTP/2
// pseudo-headers, taking :authority as the host when there is no Host.
func harHeaderMap(list []harNameValue, urlHost string) (string, http.Header) {
	h := http.Header{}
	host, authority, haveHost := "", "", false
	for _, nv := range list {
		switch {
		case strings.EqualFold(nv.Name, "Host"):
			host, haveHost = nv.Value, true
		case strings.EqualFold(nv.Name, ":authority"):
			authority = nv.Value
		case strings.HasPrefix(nv.Name, ":") || nv.Name == "":
		default:
			name := http.CanonicalHeaderKey(nv.Name)
			h[name] = append(h[name], nv.Value)
		}
	}
	switch {
	case haveHost:
	case authority != "":
		host = authority
	default:
		host = urlHost
	}
	return host, h
}

// harBody reads postData: the text (base64 when marked so), else the
// params of a form post encoded as the form's content type says.
func harBody(pd *harInPostData, h http.Header) ([]byte, error) {
	if pd == nil {
		return nil, nil
	}
	if pd.Text != "" || len(pd.Params) == 0 {
		if strings.EqualFold(pd.Encoding, "base64") || strings.EqualFold(pd.StdEncoding, "base64") {
			b, err := base64.StdEncoding.DecodeString(pd.Text)
			if err != nil {
				return nil, fmt.Errorf("postData.text is marked base64 but is not: %w", err)
			}
			return b, nil
		}
		return []byte(pd.Text), nil
	}
	mimeType := pd.MimeType
	if mimeType == "" {
		mimeType = h.Get("Content-Type")
	}
	if strings.HasPrefix(strings.ToLower(mimeType), "multipart/") {
		return multipartParams(pd.Params, mimeType, h)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return []byte(encodeParams(pd.Params)), nil
}

func encodeParams(ps []harParam) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = url.QueryEscape(p.Name) + "=" + url.QueryEscape(p.Value)
	}
	return strings.Join(parts, "&")
}

func encodeQuery(nvs []harNameValue) string {
	ps := make([]harParam, len(nvs))
	for i, nv := range nvs {
		ps[i] = harParam{Name: nv.Name, Value: nv.Value}
	}
	return encodeParams(ps)
}

// multipartParams rebuilds a multipart body from params, keeping the
// boundary the content type names so the body matches its header.
func multipartParams(ps []harParam, mimeType string, h http.Header) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, params, err := mime.ParseMediaType(mimeType); err == nil && params["boundary"] != "" {
		if err := mw.SetBoundary(params["boundary"]); err != nil {
			return nil, fmt.Errorf("postData boundary: %w", err)
		}
	}
	for _, p := range ps {
		if err := writePart(mw, p.Name, p.FileName, p.ContentType, []byte(p.Value)); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", mw.FormDataContentType())
	}
	return buf.Bytes(), nil
}

// writePart adds one form field, a file part when fileName is set.
func writePart(mw *multipart.Writer, name, fileName, contentType string, value []byte) error {
	hdr := make(map[string][]string)
	disp := `form-data; name="` + quoteEscaper.Replace(name) + `"`
	if fileName != "" {
		disp += `; filename="` + quoteEscaper.Replace(fileName) + `"`
		if contentType == "" {
			contentType = "application/octet-stream"
		}
	}
	hdr["Content-Disposition"] = []string{disp}
	if contentType != "" {
		hdr["Content-Type"] = []string{contentType}
	}
	w, err := mw.CreatePart(hdr)
	if err != nil {
		return err
	}
	_, err = w.Write(value)
	return err
}

// quoteEscaper is what mime/multipart uses for names in
// Content-Disposition.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")
