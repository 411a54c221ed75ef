package app

import "dev.hookscope/app/composer"

// ComposerImporter saves an imported collection (an OpenAPI spec's
// requests and environment) in the composer's store. The core and the
// local API client have it; it is not in Backend so that the other
// backends need not.
type ComposerImporter interface {
	ImportCollection(imp *composer.OpenAPIImport) (composer.ImportResult, error)
}

var _ ComposerImporter = (*Core)(nil)

// ImportCollection saves imp in this core's store.
func (c *Core) ImportCollection(imp *composer.OpenAPIImport) (composer.ImportResult, error) {
	return composer.SaveImport(c.Store(), imp)
}
