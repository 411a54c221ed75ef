package bodyfmt

import "testing"

func TestPrettyHTML(t *testing.T) {
	in := []byte(`<!DOCTYPE html><html><head><title>Hi</title><meta charset="utf-8"></head>` +
		`<body><p class="x">Hello <b>you</b></p><br><script>if (a<b) {x()}</script></body></html>`)
	got, err := PrettyHTML(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `<!DOCTYPE html>
<html>
  <head>
    <title>
      Hi
    </title>
    <meta charset="utf-8">
  </head>
  <body>
    <p class="x">
      Hello
      <b>
        you
      </b>
    </p>
    <br>
    <script>
      if (a<b) {x()}
    </script>
  </body>
</html>
`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if m := Modes(HTML); m[0] != ModePretty {
		t.Fatalf("HTML modes %v", m)
	}
}
