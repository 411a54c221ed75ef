// Package apitest helps tests of the local API's trust checks, in
// localapi and in the command line alike: a socket that stands for another
// user's.
package apitest

import (
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// Nobody is the uid and gid the planted files are given (root only).
const Nobody = 65534

// PlantedSocket stands for another user's socket: a listener of ours
// whose file belongs to uid Nobody. It counts the connections it accepts.
type PlantedSocket struct {
	ln       net.Listener
	accepted atomic.Int32
}

// PlantSocket listens at path and gives the socket file to Nobody.
func PlantSocket(t *testing.T, path string) *PlantedSocket {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	p := &PlantedSocket{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	if err := os.Chown(path, Nobody, Nobody); err != nil {
		t.Fatal(err)
	}
	return p
}

// ConnectionsSoFar is how many connections were accepted before this
// call's own probe, which Accept takes after them.
func (p *PlantedSocket) ConnectionsSoFar(t *testing.T) int32 {
	t.Helper()
	before := p.accepted.Load()
	c, err := net.Dial("unix", p.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for p.accepted.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("the planted socket never accepted the probe")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p.accepted.Load() - 1
}
