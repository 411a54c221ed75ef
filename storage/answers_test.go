package storage

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

func TestAnswersRoundTripCapAndSurviveReopen(t *testing.T) {
	st, path := openTemp(t)
	appendRequests(t, st, 8)
	if _, ok, err := st.Answer(1); ok || err != nil {
		t.Fatalf("an answer before any was put: %v %v", ok, err)
	}
	body := bytes.Repeat([]byte{0xff, 'x'}, AnswerBodyLimit) // twice the limit, not UTF-8
	in := AnswerRecord{Rule: "big", Status: 201, Header: http.Header{"X-A": {"1", "2"}}, Body: body, Delay: 1500 * time.Millisecond, Note: "n"}
	if err := st.PutAnswer(7, in); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAnswer(8, AnswerRecord{Rule: "drop", Action: AnswerClosed}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.Answer(7)
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	if got.Rule != "big" || got.Status != 201 || len(got.Body) != AnswerBodyLimit || !bytes.Equal(got.Body, body[:AnswerBodyLimit]) ||
		!got.Truncated || got.BodySize != int64(len(body)) || got.Delay != in.Delay || got.Header["X-A"][1] != "2" || got.Note != "n" {
		t.Fatalf("%+v", got)
	}
	st.Close()
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if got, ok, _ := st.Answer(8); !ok || got.Action != AnswerClosed || got.Status != 0 {
		t.Fatalf("after reopen: %+v %v", got, ok)
	}
	if err := st.DeleteAnswers(8, 999); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Answer(8); ok {
		t.Fatal("deleted answer still there")
	}
	if err := st.ClearAnswers(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Answer(7); ok {
		t.Fatal("cleared answer still there")
	}
}
