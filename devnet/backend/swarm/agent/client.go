package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// ErrUnreachable wraps a call that never reached the agent (its address
// refused or did not answer the connection): the caller may look the
// address up again and retry, as nothing was done.
var ErrUnreachable = errors.New("agent unreachable")

// Client calls one agent.
type Client struct {
	addr  string // host:port
	token string
	http  *http.Client
}

// NewClient calls the agent at addr (host:port) with the devnet's token.
// Calls are bounded by their context alone: an offline command may take
// long.
func NewClient(addr, token string) *Client {
	return &Client{addr: addr, token: token, http: &http.Client{}}
}

// Ping checks the agent answers and takes the token.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, PathPing, nil)
	return err
}

// Kill sends SIGKILL to the container and returns once it stopped.
func (c *Client) Kill(ctx context.Context, container string) error {
	_, err := c.call(ctx, http.MethodPost, PathKill, ContainerRequest{Container: container})
	return err
}

// Pause freezes the container.
func (c *Client) Pause(ctx context.Context, container string) error {
	_, err := c.call(ctx, http.MethodPost, PathPause, ContainerRequest{Container: container})
	return err
}

// Unpause thaws the container.
func (c *Client) Unpause(ctx context.Context, container string) error {
	_, err := c.call(ctx, http.MethodPost, PathUnpause, ContainerRequest{Container: container})
	return err
}

// Exec runs `/chaind ARGV` in the running container and returns its
// standard output (also with a failure).
func (c *Client) Exec(ctx context.Context, container string, argv []string) (string, error) {
	res, err := c.call(ctx, http.MethodPost, PathExec, ContainerRequest{Container: container, Argv: argv})
	return res.Output, err
}

// RunOnVolume runs an offline command on a node's volume and returns its
// standard output (also with a failure).
func (c *Client) RunOnVolume(ctx context.Context, req RunOnVolumeRequest) (string, error) {
	res, err := c.call(ctx, http.MethodPost, PathRunOnVolume, req)
	return res.Output, err
}

// RemoveVolumes removes the devnet's volumes on the agent's host and
// names them.
func (c *Client) RemoveVolumes(ctx context.Context) ([]string, error) {
	res, err := c.call(ctx, http.MethodPost, PathRemoveVolumes, struct{}{})
	return res.Removed, err
}

// call sends body (JSON, none if nil) and decodes the answer; a status
// other than 200 is an error carrying the agent's message.
func (c *Client) call(ctx context.Context, method, path string, body any) (Response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return Response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	url := "http://" + c.addr + path
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if op := (*net.OpError)(nil); errors.As(err, &op) && op.Op == "dial" {
			return Response{}, fmt.Errorf("%w at %s: %w", ErrUnreachable, c.addr, err)
		}
		return Response{}, fmt.Errorf("agent at %s: %w", c.addr, err)
	}
	defer resp.Body.Close()
	var res Response
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&res); err != nil {
		return res, fmt.Errorf("agent at %s: %s %s: answer (%s): %w", c.addr, method, path, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		if res.Error == "" {
			res.Error = resp.Status
		}
		return res, fmt.Errorf("agent at %s: %s (%s)", c.addr, res.Error, resp.Status)
	}
	return res, nil
}
