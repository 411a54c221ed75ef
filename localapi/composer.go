package localapi

import (
	"encoding/json"
	"io"
	"net/http"

	"dev.hookscope/app"
	"dev.hookscope/app/composer"
)

var _ app.ComposerImporter = (*Client)(nil)

// importCollection saves a collection the caller made from a spec (the
// caller reads the spec: the server reads no file or URL for it).
func (s *Server) importCollection(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4*composer.MaxSpecSize))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read the collection: "+err.Error())
		return
	}
	in := importBody{OpenAPIImport: &composer.OpenAPIImport{}}
	if err := json.Unmarshal(data, &in); err != nil {
		writeError(w, http.StatusBadRequest, "the collection is not JSON: "+err.Error())
		return
	}
	in.OpenAPIImport.Spec = in.Spec
	res, err := s.core.ImportCollection(in.OpenAPIImport)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// importBody is an import as sent: the spec's bytes (which an import's
// JSON leaves out, being big) travel as "spec", base64, so the running
// instance keeps them to check the collection's answers.
type importBody struct {
	*composer.OpenAPIImport
	Spec []byte `json:"spec,omitempty"`
}

// ImportCollection saves imp through the running instance.
func (c *Client) ImportCollection(imp *composer.OpenAPIImport) (composer.ImportResult, error) {
	var out composer.ImportResult
	err := c.call("POST", "/v1/composer/collections", importBody{imp, imp.Spec}, &out)
	return out, err
}
