package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type natsPublisher struct {
	target Target
	nc     *nats.Conn
	js     jetstream.JetStream
}

func dialNATS(t Target) (Publisher, error) {
	nc, err := nats.Connect("nats://"+t.Addr,
		nats.Name("hookscope"),
		// Connect in the background and keep reconnecting while the
		// server is away: the forwarder retries its publish meanwhile.
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", t.Addr, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream at %s: %w", t.Addr, err)
	}
	return &natsPublisher{target: t, nc: nc, js: js}, nil
}

func (p *natsPublisher) Publish(ctx context.Context, m Message) (string, error) {
	msg := nats.NewMsg(p.target.Name)
	msg.Data = m.Body
	for _, h := range m.Header {
		// Straight into the map: the name goes exactly as given.
		msg.Header[h.Name] = append(msg.Header[h.Name], h.Value)
	}
	// Nats-Msg-Id: JetStream drops a second message with the same ID
	// within the stream's duplicate window (2 minutes by default), so a
	// retry after a lost acknowledgement is stored once.
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(m.ID))
	if err != nil {
		return "", natsError(p.target, err)
	}
	s := fmt.Sprintf("stream %s seq %d", ack.Stream, ack.Sequence)
	if ack.Duplicate {
		s += " (already there)"
	}
	return s, nil
}

func natsError(t Target, err error) error {
	var api *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return rejected(fmt.Errorf("the body is larger than NATS at %s takes (its max_payload): %w", t.Addr, err))
	case errors.As(err, &api) && api.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum:
		return rejected(fmt.Errorf("the stream for %s at %s refuses a message this large: %w", t.Name, t.Addr, err))
	case errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("no JetStream stream takes subject %s at %s: %w", t.Name, t.Addr, err)
	case strings.Contains(err.Error(), "connection closed"), strings.Contains(err.Error(), "disconnected"):
		return fmt.Errorf("NATS at %s is not reachable: %w", t.Addr, err)
	}
	return fmt.Errorf("publish to NATS %s at %s: %w", t.Name, t.Addr, err)
}

func (p *natsPublisher) Close() { p.nc.Close() }
