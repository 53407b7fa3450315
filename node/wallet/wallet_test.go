package wallet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

func TestAddressRoundTrip(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	addr := k.Address()
	pkh, err := DecodeAddress(addr)
	if err != nil || pkh != k.PubKeyHash() {
		t.Fatalf("DecodeAddress(%s) = %x, %v", addr, pkh, err)
	}
	// Changing any character breaks the checksum (or the base58).
	for i := range addr {
		c := byte('2')
		if addr[i] == c {
			c = '3'
		}
		bad := addr[:i] + string(c) + addr[i+1:]
		if _, err := DecodeAddress(bad); err == nil {
			t.Errorf("altered address %s accepted", bad)
		}
	}
	if _, err := DecodeAddress("0OIl"); err == nil {
		t.Error("non-base58 accepted")
	}
}

// Keys whose X coordinate or private scalar start with a zero byte, and
// signatures whose r starts with one, must sign, verify and reload.
func TestLeadingZeroBytes(t *testing.T) {
	var zeroX, zeroD *Key
	for i := 0; i < 20000 && (zeroX == nil || zeroD == nil); i++ {
		k, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		if zeroX == nil && k.PubKey()[1] == 0 {
			zeroX = k
		}
		if zeroD == nil && k.PrivateBytes()[0] == 0 {
			zeroD = k
		}
	}
	if zeroX == nil || zeroD == nil {
		t.Fatal("no key with a leading zero byte found")
	}
	for _, k := range []*Key{zeroX, zeroD} {
		if len(k.PubKey()) != chain.PubKeyLen || len(k.PrivateBytes()) != 32 {
			t.Fatalf("lengths %d, %d", len(k.PubKey()), len(k.PrivateBytes()))
		}
		back, err := ParseKey(k.PrivateBytes())
		if err != nil || !bytes.Equal(back.PubKey(), k.PubKey()) {
			t.Fatalf("reload: %v", err)
		}
		tx := spendTx()
		if err := k.SignInputs(tx); err != nil {
			t.Fatal(err)
		}
		if err := chain.VerifyInput(tx, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A signature with a short r (leading zero byte).
	k := zeroX
	for i := 0; i < 20000; i++ {
		d := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		sig, err := k.Sign(d[:])
		if err != nil {
			t.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &rs); err != nil {
			t.Fatal(err)
		}
		if rs.R.BitLen() > 248 {
			continue
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), k.PubKey())
		if err != nil || !ecdsa.VerifyASN1(pub, d[:], sig) {
			t.Fatalf("short-r signature does not verify: %v", err)
		}
		return
	}
	t.Fatal("no signature with a short r found")
}

func spendTx() *chain.Tx {
	return &chain.Tx{Version: chain.TxVersion,
		Inputs:  []chain.TxIn{{Prev: chain.OutPoint{TxID: chain.Hash{1}}}},
		Outputs: []chain.TxOut{{Value: 5}}}
}

func TestWalletFile(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := w.Create("w1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Create("w1"); err == nil {
		t.Fatal("duplicate alias accepted")
	}
	if _, err := w.Create("bad alias"); err == nil {
		t.Fatal("alias with a space accepted")
	}
	if _, err := w.Create(""); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("wallet file mode %v, %v", st.Mode(), err)
	}
	w2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := w2.List(); len(got) != 2 || got[0].Alias != "w1" || got[0].Address != k1.Address() {
		t.Fatalf("reloaded list %v", got)
	}
	pkh, err := w2.Resolve("w1")
	if err != nil || pkh != k1.PubKeyHash() {
		t.Fatal("Resolve alias")
	}
	if pkh, err := w2.Resolve(k1.Address()); err != nil || pkh != k1.PubKeyHash() {
		t.Fatal("Resolve address")
	}
	if _, err := w2.Resolve("nope"); err == nil {
		t.Fatal("unknown alias resolved")
	}
	if _, err := w2.Key("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Key(unknown) = %v", err)
	}
	if k, err := w2.Key(k1.Address()); err != nil || !bytes.Equal(k.PubKey(), k1.PubKey()) {
		t.Fatal("Key(address)")
	}
}

func TestCorruptWalletFile(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "\x00\x01gob?",
		"truncated": `{"version":1,"keys":[{"alias":"w1","private_key":"ab`,
		"bad key":   `{"version":1,"keys":[{"alias":"w1","private_key":"abcd"}]}`,
		"version":   `{"version":7,"keys":[]}`,
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s: err = %v", name, err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("%s: file changed", name)
		}
	}
}
