package receiver_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labelhook/labelhook/receiver"
)

// A receiver is an http.Handler: serve it, point webhooks at it, read the records.
func Example() {
	rc := receiver.New(receiver.Config{})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer rc.Close()

	// A webhook with send_payload=false carries only its action.
	resp, err := http.Post(srv.URL+"/hooks", "application/json", strings.NewReader(`{"action": "TASKS_CREATED"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	// Not JSON: recorded all the same, answered 400.
	resp, err = http.Post(srv.URL+"/hooks", "text/plain", strings.NewReader("hello"))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	for _, r := range rc.Events(receiver.Filter{}) {
		fmt.Println(r.Seq, r.Action, r.Valid, r.ResponseStatus, string(r.Body))
	}
	// Output:
	// 1 TASKS_CREATED true 200 {"action":"TASKS_CREATED"}
	// 2  false 400 "hello"
}
