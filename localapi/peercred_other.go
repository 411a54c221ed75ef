//go:build !linux

package localapi

import "net"

// peerUID has no portable implementation outside Linux (SO_PEERCRED); there
// the checks rest on the socket file's owner and mode alone.
func peerUID(net.Conn) (int, error) { return -1, errPeerUnsupported }
