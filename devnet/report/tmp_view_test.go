package report

import "testing"

func TestTmpView(t *testing.T) {
	if err := Write("/tmp/rep50", synthetic(50, 600)); err != nil {
		t.Fatal(err)
	}
	r := synthetic(3, 60)
	r.Err = "x"
	r.Steps[2].Err = "did not hold"
	if err := Write("/tmp/rep3", r); err != nil {
		t.Fatal(err)
	}
}
