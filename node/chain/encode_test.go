package chain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func sampleTx() *Tx {
	pub := bytes.Repeat([]byte{4}, PubKeyLen)
	return &Tx{
		Version: TxVersion,
		Inputs: []TxIn{
			{Prev: OutPoint{TxID: Hash{1}, Index: 3}, Signature: []byte{0x30, 1, 2}, PubKey: pub},
			{Prev: OutPoint{TxID: Hash{2}, Index: 0}, Signature: []byte{0x30, 9}, PubKey: pub},
		},
		Outputs: []TxOut{{Value: 7, PubKeyHash: [20]byte{9}}, {Value: 1 << 40}},
	}
}

func sampleBlock() *Block {
	txs := []*Tx{NewCoinbase(5, [20]byte{1}, 50, []byte("x")), sampleTx()}
	b := &Block{Header: Header{Version: 1, Height: 5, Timestamp: 1700000000, PrevHash: Hash{7}, Bits: 3, Nonce: 99}, Txs: txs}
	b.Header.MerkleRoot = MerkleRoot(b.TxIDs())
	return b
}

func TestTxRoundTrip(t *testing.T) {
	tx := sampleTx()
	enc := tx.Bytes()
	if len(enc) != tx.SerializeSize() {
		t.Fatalf("SerializeSize %d, encoding %d", tx.SerializeSize(), len(enc))
	}
	got, err := DecodeTx(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), enc) || got.ID() != tx.ID() {
		t.Fatal("round trip changed the transaction")
	}
}

func TestBlockRoundTrip(t *testing.T) {
	b := sampleBlock()
	enc := b.Bytes()
	if len(enc) != b.SerializeSize() {
		t.Fatalf("SerializeSize %d, encoding %d", b.SerializeSize(), len(enc))
	}
	got, err := DecodeBlock(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash() != b.Hash() || !bytes.Equal(got.Bytes(), enc) {
		t.Fatal("round trip changed the block")
	}
	if len(b.Header.Bytes()) != HeaderSize || HeaderSize != 96 {
		t.Fatalf("header size %d", len(b.Header.Bytes()))
	}
}

func TestDecodeRejects(t *testing.T) {
	enc := sampleBlock().Bytes()
	hugeCount := append(append([]byte(nil), enc[:HeaderSize]...), binary.AppendUvarint(nil, 1<<40)...)
	nonMinimal := append(append([]byte(nil), enc[:HeaderSize]...), 0x82, 0x00) // 2 written in two bytes
	cases := map[string][]byte{
		"truncated":      enc[:len(enc)-1],
		"trailing":       append(append([]byte(nil), enc...), 0),
		"empty":          nil,
		"huge count":     hugeCount,
		"non-minimal":    nonMinimal,
		"oversize":       make([]byte, MaxBlockSize+1),
		"header only 95": enc[:HeaderSize-1],
	}
	for name, b := range cases {
		if _, err := DecodeBlock(b); !errors.Is(err, ErrEncoding) {
			t.Errorf("%s: err = %v, want ErrEncoding", name, err)
		}
	}
	// A signature longer than MaxSigLen.
	tx := sampleTx()
	tx.Inputs[0].Signature = make([]byte, MaxSigLen+1)
	if _, err := DecodeTx(tx.Bytes()); !errors.Is(err, ErrEncoding) {
		t.Errorf("long signature: err = %v", err)
	}
	tx = sampleTx()
	tx.Inputs[0].PubKey = make([]byte, MaxPubKeyLen+1)
	if _, err := DecodeTx(tx.Bytes()); !errors.Is(err, ErrEncoding) {
		t.Errorf("long key: err = %v", err)
	}
}

func TestHashParse(t *testing.T) {
	h := DoubleSHA256([]byte("x"))
	got, err := ParseHash(h.String())
	if err != nil || got != h {
		t.Fatalf("ParseHash(String()) = %v, %v", got, err)
	}
	for _, s := range []string{"", "zz", h.String()[:63] + "g"} {
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q) accepted", s)
		}
	}
}

func FuzzDecodeBlock(f *testing.F) {
	f.Add(sampleBlock().Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBlock(data)
		if err != nil {
			return
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatal("accepted a non-canonical encoding")
		}
	})
}
