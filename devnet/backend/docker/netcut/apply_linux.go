package netcut

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// protocol marks the routes netcut installs (rtm_protocol), so it removes
// only its own.
const protocol = 0x4e

// apply sets the unreachable routes of every target. The thread stays in
// the last namespace entered; the helper process exits right after.
func apply(all []netip.Addr, targets []Target) error {
	runtime.LockOSThread()
	for _, t := range targets {
		if err := enter(t.PID); err != nil {
			return err
		}
		if err := setRoutes(all, t.Block); err != nil {
			return fmt.Errorf("pid %d: %w", t.PID, err)
		}
	}
	return nil
}

func enter(pid int) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return fmt.Errorf("network namespace of pid %d: %w", pid, err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter network namespace of pid %d: %w", pid, err)
	}
	return nil
}

func setRoutes(all, block []netip.Addr) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	for _, a := range all {
		if err := route(fd, unix.RTM_DELROUTE, 0, a); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("remove route to %s: %w", a, err)
		}
	}
	for _, a := range block {
		if err := route(fd, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, a); err != nil {
			return fmt.Errorf("make %s unreachable: %w", a, err)
		}
	}
	return nil
}

// route sends one IPv4 /32 "unreachable" route request and waits for its ack.
func route(fd int, op, flags uint16, dst netip.Addr) error {
	const size = unix.SizeofNlMsghdr + unix.SizeofRtMsg + 8
	b := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], size)
	ne.PutUint16(b[4:], op)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	ne.PutUint32(b[8:], 1) // sequence
	rt := b[unix.SizeofNlMsghdr:]
	rt[0] = unix.AF_INET
	rt[1] = 32 // dst_len
	rt[4] = unix.RT_TABLE_MAIN
	rt[5] = protocol
	rt[6] = unix.RT_SCOPE_UNIVERSE
	rt[7] = unix.RTN_UNREACHABLE
	attr := rt[unix.SizeofRtMsg:]
	ne.PutUint16(attr[0:], 8)
	ne.PutUint16(attr[2:], unix.RTA_DST)
	ip := dst.As4()
	copy(attr[4:], ip[:])
	if err := unix.Sendto(fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	if n < unix.SizeofNlMsghdr+4 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return fmt.Errorf("unexpected netlink answer (%d bytes)", n)
	}
	if errno := -int32(ne.Uint32(buf[unix.SizeofNlMsghdr:])); errno != 0 {
		return unix.Errno(errno)
	}
	return nil
}
