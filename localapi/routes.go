package localapi

import (
	"context"
	"fmt"
	"net/http"

	"dev.hookscope/app"
)

// Every route of the API and the least role that may call it, in one
// table: routes() registers nothing else, and refuses a route without a
// role, so none can be added without one (docs/cli.md, "Roles").
//
// Through the socket the caller is the database's owner, admin. Over TCP
// the caller is whoever holds the token presented: the token file's is
// admin (as it always was), a token made by `hookscope tokens add` has
// its own role.

// route is one route of the API.
type route struct {
	// pattern is the method and path, as http.ServeMux reads them.
	pattern string
	// role is the least role that may call the route.
	role app.Role
	// needs, when set, raises the role for some calls (an export that
	// keeps secrets); it names what needs the higher role.
	needs func(r *http.Request) (app.Role, string)
	// socketOnly routes do not exist over TCP.
	socketOnly bool
	handle     func(s *Server, overTCP bool) http.HandlerFunc
}

// plain adapts a handler that does not care which side it serves.
func plain(f func(*Server, http.ResponseWriter, *http.Request)) func(*Server, bool) http.HandlerFunc {
	return func(s *Server, _ bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { f(s, w, r) }
	}
}

// sided adapts a handler that answers TCP callers differently.
func sided(f func(*Server, http.ResponseWriter, *http.Request, bool)) func(*Server, bool) http.HandlerFunc {
	return func(s *Server, overTCP bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { f(s, w, r, overTCP) }
	}
}

// routeTable is the API. Read: lists, shows, exports (secrets redacted),
// waits and tails. Replay: also replays and verifies. Admin: everything
// else (settings read and changed, delete, import, tokens).
func routeTable() []route {
	return []route{
		{pattern: "GET /v1/ping", role: app.RoleRead, handle: sided((*Server).ping)},
		{pattern: "GET /v1/requests", role: app.RoleRead, handle: plain((*Server).list)},
		{pattern: "POST /v1/requests", role: app.RoleAdmin, handle: plain((*Server).add)},
		{pattern: "GET /v1/requests/{id}", role: app.RoleRead, handle: plain((*Server).getOne)},
		{pattern: "DELETE /v1/requests/{id}", role: app.RoleAdmin, handle: plain((*Server).delete)},
		{pattern: "GET /v1/requests/{id}/answer", role: app.RoleRead, handle: func(s *Server, _ bool) http.HandlerFunc { return byID(s.answer) }},
		{pattern: "POST /v1/requests/{id}/verify", role: app.RoleReplay, handle: sided((*Server).verify)},
		{pattern: "POST /v1/replays", role: app.RoleReplay, handle: plain((*Server).addReplay)},
		{pattern: "POST /v1/requests/{id}/replay", role: app.RoleReplay, handle: sided((*Server).replayRequest)},
		{pattern: "GET /v1/requests/{id}/replays", role: app.RoleRead, handle: plain((*Server).replays)},
		{pattern: "GET /v1/export", role: app.RoleRead, needs: exportNeeds, handle: plain((*Server).export)},
		{pattern: "POST /v1/import", role: app.RoleAdmin, handle: plain((*Server).importFile)},
		{pattern: "GET /v1/retention", role: app.RoleAdmin, handle: plain((*Server).getRetention)},
		{pattern: "PUT /v1/retention", role: app.RoleAdmin, handle: plain((*Server).putRetention)},
		{pattern: "GET /v1/forward", role: app.RoleAdmin, handle: plain((*Server).getForward)},
		{pattern: "PUT /v1/forward", role: app.RoleAdmin, handle: plain((*Server).putForward)},
		{pattern: "GET /v1/secrets", role: app.RoleAdmin, handle: plain((*Server).getSecrets)},
		{pattern: "POST /v1/secrets", role: app.RoleAdmin, handle: plain((*Server).postSecret)},
		{pattern: "DELETE /v1/secrets", role: app.RoleAdmin, handle: plain((*Server).deleteSecret)},
		{pattern: "GET /v1/rules", role: app.RoleAdmin, handle: plain((*Server).getRules)},
		{pattern: "PUT /v1/rules", role: app.RoleAdmin, handle: plain((*Server).putRules)},
		{pattern: "GET /v1/alerts", role: app.RoleRead, handle: plain((*Server).getAlerts)},
		{pattern: "PUT /v1/alerts", role: app.RoleAdmin, handle: plain((*Server).putAlerts)},
		{pattern: "GET /v1/alerts/fired", role: app.RoleRead, handle: plain((*Server).getFiredAlerts)},
		{pattern: "POST /v1/alerts/test", role: app.RoleAdmin, handle: plain((*Server).testAlert)},
		{pattern: "GET /v1/contracts", role: app.RoleRead, handle: plain((*Server).getContracts)},
		{pattern: "POST /v1/contracts", role: app.RoleAdmin, handle: plain((*Server).postContract)},
		{pattern: "DELETE /v1/contracts", role: app.RoleAdmin, handle: plain((*Server).deleteContract)},
		{pattern: "GET /v1/requests/{id}/contract", role: app.RoleRead, handle: func(s *Server, _ bool) http.HandlerFunc { return byID(s.core.ContractVerdict) }},
		{pattern: "POST /v1/requests/{id}/contract", role: app.RoleReplay, handle: plain((*Server).checkContract)},
		{pattern: "GET /v1/wait", role: app.RoleRead, handle: plain((*Server).wait)},
		{pattern: "GET /v1/events", role: app.RoleRead, handle: plain((*Server).events)},
		{pattern: "GET /metrics", role: app.RoleRead, handle: metrics},
		{pattern: "GET /v1/metrics/minutes", role: app.RoleRead, handle: plain((*Server).metricsMinutes)},
		{pattern: "GET /v1/tokens", role: app.RoleAdmin, handle: plain((*Server).getTokens)},
		{pattern: "POST /v1/tokens", role: app.RoleAdmin, handle: plain((*Server).postToken)},
		{pattern: "DELETE /v1/tokens/{name}", role: app.RoleAdmin, handle: plain((*Server).deleteToken)},
		{pattern: "POST /v1/composer/collections", role: app.RoleAdmin, handle: plain((*Server).importCollection)},
		// Saved secrets in clear go only to the socket, which only the
		// database's owner can reach; over TCP, verify runs here instead.
		{pattern: "GET /v1/secrets/match", role: app.RoleAdmin, socketOnly: true, handle: plain((*Server).secretMatch)},
	}
}

// exportNeeds: an export that keeps secrets needs the replay role, which
// could send the captured headers anywhere anyway.
func exportNeeds(r *http.Request) (app.Role, string) {
	if r.URL.Query().Get("include_secrets") != "" {
		return app.RoleReplay, "an export with include_secrets"
	}
	return app.RoleNone, ""
}

func (s *Server) routes(overTCP bool) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routeTable() {
		if rt.socketOnly && overTCP {
			continue
		}
		if _, ok := roleName(rt.role); !ok {
			panic(fmt.Sprintf("localapi: the route %s has no role", rt.pattern))
		}
		mux.Handle(rt.pattern, guard(rt, rt.handle(s, overTCP)))
	}
	if !overTCP {
		return asOwner(mux)
	}
	return mux
}

func roleName(r app.Role) (string, bool) {
	for _, known := range app.Roles() {
		if r == known {
			return r.String(), true
		}
	}
	return "", false
}

// caller is who sent a request: the token's name and role.
type caller struct {
	name string
	role app.Role
}

type callerKey struct{}

func withCaller(r *http.Request, c caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// callerOf is the request's caller; a request nobody vouched for has no
// role at all.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// asOwner marks every request through the socket as the owner's: only
// this user's processes reach it (see sameUserListener).
func asOwner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, withCaller(r, caller{name: "the socket's owner", role: app.RoleAdmin}))
	})
}

// guard refuses, with 403 and one sentence naming the role needed, a
// caller whose role is below the route's.
func guard(rt route, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		need, what := rt.role, rt.pattern
		if rt.needs != nil {
			if n, w := rt.needs(r); n > need {
				need, what = n, w
			}
		}
		if !c.role.Allows(need) {
			writeError(w, http.StatusForbidden, refusal(what, need, c))
			return
		}
		next(w, r)
	}
}

// refusal is the one sentence a caller refused for its role gets.
func refusal(what string, need app.Role, c caller) string {
	higher := " or higher"
	if need == app.RoleAdmin {
		higher = ""
	}
	if c.role == app.RoleNone {
		return fmt.Sprintf("%s needs a token with the %s role%s", what, need, higher)
	}
	return fmt.Sprintf("%s needs a token with the %s role%s; the token %q has the %s role", what, need, higher, c.name, c.role)
}
