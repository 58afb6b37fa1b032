package receiver

import (
	"slices"
	"testing"
)

func TestRecordLog(t *testing.T) {
	tests := []struct {
		name      string
		max, push int
		wantFirst int64
		wantDrop  int
	}{
		{name: "under the cap", max: 5, push: 3, wantFirst: 1},
		{name: "at the cap", max: 5, push: 5, wantFirst: 1},
		{name: "one over", max: 5, push: 6, wantFirst: 2, wantDrop: 1},
		{name: "many times over", max: 3, push: 100, wantFirst: 98, wantDrop: 97},
		{name: "cap of one", max: 1, push: 7, wantFirst: 7, wantDrop: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := recordLog{max: tt.max}
			drops := 0
			for seq := int64(1); seq <= int64(tt.push); seq++ {
				if l.push(Record{Seq: seq}) {
					drops++
				}
				if len(l.buf) > 2*tt.max+1 {
					t.Fatalf("after seq %d the array holds %d slots for a cap of %d", seq, len(l.buf), tt.max)
				}
				for i := range l.head {
					if l.buf[i].Seq != 0 {
						t.Fatalf("after seq %d, dropped slot %d still holds seq %d", seq, i, l.buf[i].Seq)
					}
				}
			}
			last := int64(tt.push)
			var want []int64
			for s := tt.wantFirst; s <= last; s++ {
				want = append(want, s)
			}
			var got []int64
			for _, r := range l.from(0) {
				got = append(got, r.Seq)
			}
			if l.first() != tt.wantFirst || drops != tt.wantDrop || !slices.Equal(got, want) {
				t.Errorf("max %d, %d pushed: first %d, drops %d, seqs %v; want %d, %d, %v", tt.max, tt.push, l.first(), drops, got, tt.wantFirst, tt.wantDrop, want)
			}
			for _, seq := range []int64{0, tt.wantFirst - 1, tt.wantFirst, last, last + 1} {
				r, ok := l.get(seq)
				if wantOK := seq >= tt.wantFirst && seq <= last; ok != wantOK || (ok && r.Seq != seq) {
					t.Errorf("get(%d) = %v, %v; want found %v", seq, r, ok, wantOK)
				}
				if n := len(l.from(seq)); n != len(want)-int(max(0, min(seq, last+1)-tt.wantFirst)) {
					t.Errorf("from(%d) has %d records", seq, n)
				}
			}
			if n := l.reset(); n != len(want) || l.len() != 0 || l.first() != 0 || l.from(0) != nil {
				t.Errorf("reset() = %d and left %d records; want %d and none", n, l.len(), len(want))
			}
		})
	}
}
