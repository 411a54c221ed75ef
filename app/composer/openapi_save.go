package composer

import (
	"encoding/json"
	"fmt"

	"dev.hookscope/storage"
)

// ImportStore is where an import is saved; *storage.Store has it all.
type ImportStore interface {
	SaveCollectionItem(folder, name string, request []byte) (storage.CollectionItem, error)
	Environments() ([]byte, error)
	SaveEnvironments([]byte) error
}

// ImportResult says what SaveImport saved.
type ImportResult struct {
	Saved       int    `json:"saved"`
	Environment string `json:"environment"`
	// NewEnvironment is false when the environment existed: it then only
	// gained the variables it lacked, and kept the values it had.
	NewEnvironment bool     `json:"new_environment"`
	VarsAdded      []string `json:"vars_added,omitempty"`
	// Contract is the spec the collection's answers are checked against
	// from now on; ContractNote says why they are not, when they are not.
	Contract     *CollectionSpec `json:"contract,omitempty"`
	ContractNote string          `json:"contract_note,omitempty"`
}

// SaveImport saves imp's requests as collection items (an item of the
// same folder and name is replaced, so importing a spec again updates
// it) and its environment: a new one, or the variables missing from the
// environment of that name, whose values the user may have set already.
func SaveImport(st ImportStore, imp *OpenAPIImport) (ImportResult, error) {
	res := ImportResult{Environment: imp.Environment.Name}
	raw, err := st.Environments()
	if err != nil {
		return res, fmt.Errorf("read the environments: %w", err)
	}
	var envs []Environment
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &envs); err != nil {
			return res, fmt.Errorf("read the environments: %w", err)
		}
	}
	found := false
	for i := range envs {
		if envs[i].Name != imp.Environment.Name {
			continue
		}
		found = true
		have := map[string]bool{}
		for _, v := range envs[i].Vars {
			have[v.Name] = true
		}
		for _, v := range imp.Environment.Vars {
			if !have[v.Name] {
				envs[i].Vars = append(envs[i].Vars, v)
				res.VarsAdded = append(res.VarsAdded, v.Name)
			}
		}
	}
	if !found {
		envs = append(envs, imp.Environment)
		res.NewEnvironment = true
		for _, v := range imp.Environment.Vars {
			res.VarsAdded = append(res.VarsAdded, v.Name)
		}
	}
	for _, it := range imp.Items {
		raw, err := json.Marshal(it.Request)
		if err != nil {
			return res, fmt.Errorf("save %q: %w", it.Name, err)
		}
		if _, err := st.SaveCollectionItem(it.Folder, it.Name, raw); err != nil {
			return res, err
		}
		res.Saved++
	}
	if ss, ok := st.(SpecStore); ok && len(imp.Spec) > 0 {
		if cs, err := SaveSpec(ss, imp.Collection, imp.Spec); err != nil {
			// The requests are still worth having without the checks; an
			// older spec the collection had no longer describes them.
			res.ContractNote = "answers are not checked against the spec: " + err.Error()
			if err := ss.PutSetting(storage.SettingComposerSpecPrefix+imp.Collection, []byte{}); err != nil {
				return res, fmt.Errorf("forget the old spec of %q: %w", imp.Collection, err)
			}
		} else {
			res.Contract = &cs
		}
	}
	if raw, err = json.Marshal(envs); err == nil {
		err = st.SaveEnvironments(raw)
	}
	if err != nil {
		return res, fmt.Errorf("save the environment %q: %w", imp.Environment.Name, err)
	}
	return res, nil
}
