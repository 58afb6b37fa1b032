package scenarios

import (
	"strings"
	"testing"

	"github.com/labelhook/labelhook/server"
)

func TestSetServerSetting(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string
		wantText         string // Text after setting, read back
		wantErr          string
	}{
		{"batch size", "webhook_batch_size", "2", "2", ""},
		{"batch size below 1", "webhook_batch_size", "0", "", `webhook_batch_size "0": want a whole number, 1 or more`},
		{"timeout in seconds", "webhook_timeout", "0.5", "0.5", ""},
		{"timeout as a duration", "webhook_timeout", "1500ms", "1.5", ""},
		{"zero timeout", "webhook_timeout", "0", "", "want a duration"},
		{"failures off", "max_consecutive_failures", "0", "0", ""},
		{"failures", "max_consecutive_failures", "3", "3", ""},
		{"negative failures", "max_consecutive_failures", "-1", "", "want a whole number, 0 or more"},
		{"async false is given", "async_delivery", "false", "false", ""},
		{"organization webhooks", "organization_webhooks", "true", "true", ""},
		{"not a boolean", "async_delivery", "maybe", "", `async_delivery "maybe": want true or false`},
		{"unknown key", "batch_size", "2", "", `unknown server setting "batch_size" (known: webhook_batch_size, webhook_timeout,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg server.Config
			err := SetServerSetting(&cfg, tc.key, tc.value)
			if tc.wantErr != "" {
				untouched := true
				for _, s := range ServerSettings {
					untouched = untouched && !s.IsSet(cfg)
				}
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !untouched {
					t.Errorf("%s=%s: error %v; want an error with %q and no setting set", tc.key, tc.value, err, tc.wantErr)
				}
				return
			}
			s, _ := LookupServerSetting(tc.key)
			if err != nil || s.Text(cfg) != tc.wantText {
				t.Fatalf("%s=%s: error %v, text %q; want %q", tc.key, tc.value, err, s.Text(cfg), tc.wantText)
			}
			var copied server.Config
			s.Copy(&copied, cfg)
			if s.Text(copied) != tc.wantText || s.IsSet(copied) != s.IsSet(cfg) {
				t.Errorf("%s=%s: Copy gives text %q (set %v), want %q (set %v)", tc.key, tc.value, s.Text(copied), s.IsSet(copied), tc.wantText, s.IsSet(cfg))
			}
		})
	}
}
