package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

var genesis = chain.GenesisBlock(chain.DefaultParams().WithBits(8))

func sampleMessages() []Message {
	h := Hash{1, 2, 3}
	items := []InvVect{{InvBlock, h}, {InvTx, Hash{9}}}
	return []Message{
		&Version{Protocol: ProtocolVersion, Genesis: h, BestHeight: 7, BestHash: Hash{7}, TotalWork: big.NewInt(1 << 40), UserAgent: "chaind/test", Nonce: 42},
		&Verack{},
		&Inv{Items: items},
		&Inv{Answer: true, Items: items[:1]},
		&GetData{Items: items},
		&NotFound{Items: items[:1]},
		&GetBlocks{Locator: []Hash{h, {4}}, Stop: Hash{5}},
		&Block{Block: genesis},
		&Tx{Tx: genesis.Txs[0]},
		&Ping{Nonce: 1},
		&Pong{Nonce: 2},
		&Reject{Message: CmdBlock, Code: RejectInvalid, Reason: "bad merkle root", Hash: h},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	msgs := sampleMessages()
	for _, m := range msgs {
		if err := WriteMessage(&buf, m); err != nil {
			t.Fatalf("write %s: %v", m.Command(), err)
		}
	}
	for _, want := range msgs {
		got, err := ReadMessage(&buf)
		if err != nil {
			t.Fatalf("read %s: %v", want.Command(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", want.Command(), got, want)
		}
	}
	if _, err := ReadMessage(&buf); err != io.EOF {
		t.Fatalf("after last frame: err = %v, want EOF", err)
	}
}

func TestLongStringsAreCut(t *testing.T) {
	frame, err := Encode(&Version{UserAgent: strings.Repeat("a", 1000)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadMessage(bytes.NewReader(frame))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.(*Version).UserAgent); n != MaxUserAgent {
		t.Fatalf("user agent of %d bytes, want %d", n, MaxUserAgent)
	}
}

func header(cmd string, n uint32) []byte {
	h := make([]byte, HeaderSize)
	copy(h, cmd)
	binary.BigEndian.PutUint32(h[CommandSize:], n)
	return h
}

func TestRejectsBadFrames(t *testing.T) {
	tooManyItems := binary.BigEndian.AppendUint32([]byte{0}, MaxInvItems+1)
	lyingCount := binary.BigEndian.AppendUint32([]byte{0}, 1000) // no items follow
	cases := map[string]struct {
		frame []byte
		want  error
	}{
		"oversize":        {header(CmdBlock, MaxPayload+1), ErrOversize},
		"unknown command": {header("bogus", 0), ErrMalformed},
		"upper case":      {header("PING", 8), ErrMalformed},
		"bad padding":     {append(append([]byte("ping\x00x"), make([]byte, 6)...), 0, 0, 0, 0), ErrMalformed},
		"short payload":   {append(header(CmdPing, 4), 1, 2, 3, 4), ErrMalformed},
		"trailing bytes":  {append(header(CmdVerack, 1), 0), ErrMalformed},
		"too many items":  {append(header(CmdInv, 5), tooManyItems...), ErrMalformed},
		"lying count":     {append(header(CmdInv, 5), lyingCount...), ErrMalformed},
		"bad inv flags":   {append(header(CmdInv, 5), 2, 0, 0, 0, 0), ErrMalformed},
		"bad inv type":    {append(header(CmdGetData, 4+33), append(binary.BigEndian.AppendUint32(nil, 1), make([]byte, 33)...)...), ErrMalformed},
	}
	for name, c := range cases {
		_, err := ReadMessage(bytes.NewReader(c.frame))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

func TestTruncatedFrameIsIOError(t *testing.T) {
	frame, _ := Encode(&Ping{Nonce: 3})
	_, err := ReadMessage(bytes.NewReader(frame[:len(frame)-1]))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want unexpected EOF", err)
	}
}

func TestRejectsBadBlockAndTxBytes(t *testing.T) {
	for name, frame := range map[string][]byte{
		"block": append(header(CmdBlock, 8), 0, 0, 0, 4, 1, 2, 3, 4),
		"tx":    append(header(CmdTx, 8), 0, 0, 0, 4, 1, 2, 3, 4),
		"big":   append(header(CmdTx, 4), binary.BigEndian.AppendUint32(nil, chain.MaxTxSize+1)...),
	} {
		if _, err := ReadMessage(bytes.NewReader(frame)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// versionFrame is a version message whose total work is written as the
// raw bytes work, canonical or not.
func versionFrame(work []byte) []byte {
	w := &writer{}
	w.u32(ProtocolVersion)
	w.hash(Hash{1})
	w.u64(7)
	w.hash(Hash{7})
	w.bytes(work)
	w.str("ua", MaxUserAgent)
	w.u64(42)
	return append(header(CmdVersion, uint32(len(w.buf))), w.buf...)
}

// A number has one encoding: total work with a leading zero byte is
// refused, so every accepted frame is the encoding of what it decodes to.
func TestVersionWorkIsMinimal(t *testing.T) {
	for name, work := range map[string][]byte{"zero as 00": {0}, "leading zero": {0, 1}, "two zeros": {0, 0}} {
		_, err := ReadMessage(bytes.NewReader(versionFrame(work)))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "non-minimal") {
			t.Errorf("%s: err = %v, want ErrMalformed naming the non-minimal work", name, err)
		}
	}
	for name, work := range map[string][]byte{"zero": nil, "one": {1}, "256": {1, 0}} {
		frame := versionFrame(work)
		m, err := ReadMessage(bytes.NewReader(frame))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, _ := Encode(m)
		if !bytes.Equal(again, frame) {
			t.Errorf("%s: re-encoding differs:\n got %x\nwant %x", name, again, frame)
		}
	}
}

// FuzzReadMessage checks that no input panics the decoder and that the
// encoding is canonical: an accepted frame is byte for byte the encoding of
// the message it decodes to, and that encoding decodes to the same message.
func FuzzReadMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		frame, _ := Encode(m)
		f.Add(frame)
	}
	f.Add(header(CmdInv, 0xffffffff))
	f.Add(versionFrame([]byte{0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := bytes.NewReader(data)
		m, err := ReadMessage(rd)
		if err != nil {
			return
		}
		frame, err := Encode(m)
		if err != nil {
			t.Fatalf("re-encode %s: %v", m.Command(), err)
		}
		if read := data[:len(data)-rd.Len()]; !bytes.Equal(frame, read) {
			t.Fatalf("%s: accepted a non-canonical frame:\n read %x\n  re-encoded %x", m.Command(), read, frame)
		}
		again, err := ReadMessage(bytes.NewReader(frame))
		if err != nil {
			t.Fatalf("decode re-encoded %s: %v", m.Command(), err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("%s changed across re-encoding", m.Command())
		}
	})
}
