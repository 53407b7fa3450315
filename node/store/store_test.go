package store

import (
	"errors"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

func TestLockedAndRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open waited on the lock")
	}
	op := chain.OutPoint{TxID: chain.Hash{1}, Index: 7}
	out := chain.TxOut{Value: 9, PubKeyHash: [20]byte{3}}
	undo := []chain.TxOut{out, {Value: 1}}
	err = db.Update(func(x *Txn) error {
		if err := x.AddUTXO(op, out); err != nil {
			return err
		}
		return x.PutUndo(chain.Hash{2}, undo)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(x *Txn) error {
		got, ok, err := x.UTXO(op)
		if err != nil || !ok || got != out {
			t.Errorf("UTXO = %+v %v %v", got, ok, err)
		}
		us, err := x.UTXOsOf(out.PubKeyHash)
		if err != nil || len(us) != 1 || us[0].OutPoint != op || us[0].Value != 9 {
			t.Errorf("UTXOsOf = %+v %v", us, err)
		}
		u, err := x.Undo(chain.Hash{2})
		if err != nil || len(u) != 2 || u[0] != out {
			t.Errorf("Undo = %+v %v", u, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
