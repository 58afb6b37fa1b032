package jsontext

import "testing"

func TestMarshalKeepsHTML(t *testing.T) {
	got, err := Marshal(map[string]string{"label_config": `<View a="&">`})
	if err != nil || string(got) != `{"label_config":"<View a=\"&\">"}` {
		t.Errorf("Marshal = %s, %v", got, err)
	}
}
