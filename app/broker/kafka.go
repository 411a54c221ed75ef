package broker

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

type kafkaPublisher struct {
	target Target
	cl     *kgo.Client
	mu     sync.Mutex
	// pending holds a record sent but not yet acknowledged, by message
	// ID: a Publish that gave up waiting leaves it with the client, which
	// keeps retrying it, and the next Publish of that ID waits for the
	// same record instead of producing a second copy.
	pending map[string]*kafkaPending
}

type kafkaPending struct {
	rec  *kgo.Record
	done chan struct{}
	err  error
}

func dialKafka(t Target) (Publisher, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(t.Addr),
		kgo.DefaultProduceTopic(t.Name),
		// The idempotent producer is franz-go's default; acks=all is what
		// it requires. Said here because the guarantee rests on them: the
		// broker keeps one copy of a record the client retried.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Records with the same order key (the captured path) go to one
		// partition, so a consumer sees each path's captures in order;
		// the record key stays the capture ID.
		kgo.RecordPartitioner(kgo.BasicConsistentPartitioner(func(string) func(*kgo.Record, int) int {
			return func(r *kgo.Record, n int) int {
				h := fnv.New32a()
				h.Write(r.Context.Value(orderKey{}).([]byte))
				return int(h.Sum32() % uint32(n))
			}
		})),
		// One record is in flight at a time (the forwarder waits for each
		// acknowledgement), so waiting for more to batch only adds delay.
		kgo.ProducerLinger(0),
		// A topic that does not exist fails the record soon; the
		// forwarder records that and retries with its own backoff.
		kgo.UnknownTopicRetries(2),
	)
	if err != nil {
		return nil, fmt.Errorf("Kafka client for %s: %w", t.Addr, err)
	}
	return &kafkaPublisher{target: t, cl: cl, pending: map[string]*kafkaPending{}}, nil
}

type orderKey struct{}

func (p *kafkaPublisher) Publish(ctx context.Context, m Message) (string, error) {
	p.mu.Lock()
	pend := p.pending[m.ID]
	if pend == nil {
		r := &kgo.Record{Key: []byte(m.ID), Value: m.Body, Headers: make([]kgo.RecordHeader, len(m.Header))}
		for i, h := range m.Header {
			r.Headers[i] = kgo.RecordHeader{Key: h.Name, Value: []byte(h.Value)}
		}
		// The partitioner reads the order key from the record's context.
		// It is not ctx: a record the client has sent must not be failed
		// by a caller giving up, or a retry would be a second copy.
		r.Context = context.WithValue(context.Background(), orderKey{}, []byte(m.OrderKey))
		pend = &kafkaPending{rec: r, done: make(chan struct{})}
		p.pending[m.ID] = pend
		p.cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
			pend.err = err
			close(pend.done)
		})
	}
	p.mu.Unlock()
	select {
	case <-pend.done:
	case <-ctx.Done():
		return "", fmt.Errorf("Kafka at %s has not acknowledged yet (the client keeps sending): %w", p.target.Addr, ctx.Err())
	}
	p.mu.Lock()
	delete(p.pending, m.ID)
	p.mu.Unlock()
	if pend.err != nil {
		return "", kafkaError(p.target, pend.err)
	}
	return fmt.Sprintf("partition %d offset %d", pend.rec.Partition, pend.rec.Offset), nil
}

func kafkaError(t Target, err error) error {
	if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) || errors.Is(err, kerr.InvalidRecord) {
		return rejected(fmt.Errorf("Kafka at %s refuses this record (too large or invalid for topic %s): %w", t.Addr, t.Name, err))
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return fmt.Errorf("the Kafka topic %s does not exist at %s: %w", t.Name, t.Addr, err)
	}
	return fmt.Errorf("publish to Kafka %s at %s: %w", t.Name, t.Addr, err)
}

func (p *kafkaPublisher) Close() { p.cl.Close() }
