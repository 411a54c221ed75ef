package app

import "context"

// DrainListener stops capturing for a process that is exiting: requests
// under way may finish until ctx ends, then their connections are closed.
// A rule's delay that ends before then is waited out; a longer one is cut
// short and hanging answers are let go (see capture.Server.Drain).
func (c *Core) DrainListener(ctx context.Context) {
	c.mu.Lock()
	srv := c.server
	c.server = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Drain(ctx)
		c.hub.Publish(ListenerChanged)
	}
}
