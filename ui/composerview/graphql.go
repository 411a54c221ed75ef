package composerview

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/app/composer"
	"dev.hookscope/sender"
	"dev.hookscope/ui/uithread"
)

// graphQLEditor is the GraphQL body mode: query, variables and operation
// name; Introspect fetches the schema from the URL, and the list under
// the query offers the fields of the type at the cursor (a tap puts one
// in). The answer's errors show apart from its data.
type graphQLEditor struct {
	query, vars, op *sendEntry
	introspect      *widget.Button
	schemaNote      *widget.Label
	suggestions     []string
	suggest         *widget.List
	schema          *composer.GraphQLSchema
	// errors shows a GraphQL answer's errors above the answer's body.
	errors *widget.Label
	root   fyne.CanvasObject
}

func (v *View) newGraphQLEditor() *graphQLEditor {
	g := &graphQLEditor{}
	g.query = newSendEntry(true, v.Send)
	g.query.view = v
	g.query.SetMinRowsVisible(8)
	g.query.TextStyle = fyne.TextStyle{Monospace: true}
	g.query.SetPlaceHolder("query { … }")
	g.query.OnChanged = func(string) { g.refreshSuggestions() }
	g.query.OnCursorChanged = g.refreshSuggestions
	g.vars = newSendEntry(true, v.Send)
	g.vars.view = v
	g.vars.SetMinRowsVisible(3)
	g.vars.TextStyle = fyne.TextStyle{Monospace: true}
	g.vars.SetPlaceHolder(`variables as a JSON object: {"id": "{{userId}}"}`)
	g.op = v.newField()
	g.op.SetPlaceHolder("operation name (optional)")
	g.schemaNote = widget.NewLabel("No schema: Introspect fetches it from the URL for field completion.")
	g.schemaNote.Wrapping = fyne.TextWrapWord
	g.introspect = widget.NewButton("Introspect", func() { v.introspect() })
	g.suggest = widget.NewList(func() int { return len(g.suggestions) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(g.suggestions[i]) })
	g.suggest.OnSelected = func(i widget.ListItemID) {
		g.suggest.Unselect(i)
		g.insert(g.suggestions[i])
	}
	g.errors = widget.NewLabel("")
	g.errors.Importance = widget.DangerImportance
	g.errors.Wrapping = fyne.TextWrapWord
	g.errors.Hide()
	suggestBox := container.NewGridWrap(fyne.NewSize(220, 110), g.suggest)
	g.root = container.NewBorder(
		container.NewBorder(nil, nil, nil, g.introspect, g.op), // operation name, Introspect
		container.NewVBox(g.schemaNote, widget.NewLabel("Variables"), g.vars),
		nil, suggestBox, g.query)
	return g
}

// cursorOffset is the query's cursor as a byte offset.
func (g *graphQLEditor) cursorOffset() int {
	lines := strings.SplitAfter(g.query.Text, "\n")
	off := 0
	for i := 0; i < g.query.CursorRow && i < len(lines); i++ {
		off += len(lines[i])
	}
	if g.query.CursorRow < len(lines) {
		line := lines[g.query.CursorRow]
		col := 0
		for i := range line {
			if col == g.query.CursorColumn {
				return off + i
			}
			col++
		}
		return off + len(strings.TrimSuffix(line, "\n"))
	}
	return len(g.query.Text)
}

func (g *graphQLEditor) refreshSuggestions() {
	if g.schema == nil {
		return
	}
	g.suggestions = g.schema.Complete(g.query.Text, g.cursorOffset())
	g.suggest.Refresh()
}

// insert replaces the word at the cursor with name, typing it as the
// user would so the entry's own cursor ends after it.
func (g *graphQLEditor) insert(name string) {
	text, cur := g.query.Text, g.cursorOffset()
	start := cur
	for start > 0 && (text[start-1] == '_' || isAlnum(text[start-1])) {
		start--
	}
	for range utf8.RuneCountInString(text[start:cur]) {
		g.query.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	}
	for _, r := range name {
		g.query.Entry.TypedRune(r)
	}
	g.refreshSuggestions()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (g *graphQLEditor) fill(r *composer.Request) {
	r.GraphQLQuery, r.GraphQLVariables, r.GraphQLOperation = g.query.Text, g.vars.Text, g.op.Text
}

func (g *graphQLEditor) set(r composer.Request) {
	g.query.SetText(r.GraphQLQuery)
	g.vars.SetText(r.GraphQLVariables)
	g.op.SetText(r.GraphQLOperation)
}

// introspect sends the introspection query to the URL with the request's
// headers and auth, and keeps the schema for completion (in memory, for
// this window).
func (v *View) introspect() {
	g := v.gql
	r := v.Request()
	r.Method, r.BodyKind = "POST", composer.BodyGraphQL
	r.GraphQLQuery, r.GraphQLVariables, r.GraphQLOperation = composer.IntrospectionQuery, "", "IntrospectionQuery"
	req, _, err := composer.Build(r, v.currentEnv())
	if err != nil {
		g.schemaNote.SetText("Introspection: " + err.Error())
		return
	}
	timeout, err := v.timeoutValue()
	if err != nil {
		timeout = 30 * time.Second
	}
	g.introspect.Disable()
	g.schemaNote.SetText("Fetching the schema…")
	opt := sender.Options{Timeout: timeout, FollowRedirects: v.follow.Checked, Insecure: !v.verify.Checked}
	go func() {
		resp, err := sender.Send(context.Background(), req, opt)
		var schema *composer.GraphQLSchema
		if err == nil {
			schema, err = composer.ParseIntrospection(resp.Body)
		}
		uithread.Do(func() {
			g.introspect.Enable()
			if err != nil {
				g.schemaNote.SetText("Introspection failed: " + err.Error())
				return
			}
			g.schema = schema
			fields := 0
			for _, fs := range schema.Types {
				fields += len(fs)
			}
			g.schemaNote.SetText(fmt.Sprintf("Schema: %d types, %d fields. The list offers the fields at the cursor.", len(schema.Types), fields))
			g.refreshSuggestions()
		})
	}()
}

// showAnswer puts a GraphQL answer's errors (message, path, locations)
// apart from its data, which the body viewer then shows alone. Other
// answers are left as they are.
func (g *graphQLEditor) showAnswer(v *View, resp *sender.Response) {
	g.errors.Hide()
	if resp == nil || v.bodyKind.Selected != composer.BodyGraphQL {
		return
	}
	data, errs, ok := composer.SplitGraphQLAnswer(resp.Body)
	if !ok {
		return
	}
	if len(errs) > 0 {
		lines := make([]string, len(errs))
		for i, e := range errs {
			lines[i] = "• " + e.String()
		}
		g.errors.SetText(fmt.Sprintf("GraphQL errors (%d):\n%s", len(errs), strings.Join(lines, "\n")))
		g.errors.Show()
	}
	if data == "" {
		data = "null"
	}
	v.respBody.SetBody([]byte(data), "application/json")
}
