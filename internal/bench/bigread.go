package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labelhook/labelhook/internal/apiclient"
	"github.com/labelhook/labelhook/internal/fakedata"
	"github.com/labelhook/labelhook/server"
)

// readPageSize is the page size the SDKs page with.
const readPageSize = 100

// importBatch is how many rows one import request of a big project carries.
const importBatch = 10000

// sdkIDQuery is the Data Manager query the legacy SDK's get_tasks_ids
// sends (every task selected, no filter, no ordering).
const sdkIDQuery = `{"filters": null, "ordering": [], "selectedItems": {"all": true, "excluded": []}}`

// BigReads measures the reads a user of a big project waits on, on a
// project of plan.ReadTasks tasks that each have one annotation, each
// against a same-run baseline that writes the same bytes from a prepared
// buffer (a handler that only copies what the mock answered):
//
//   - export: GET /api/projects/{id}/export?exportType=JSON, the whole
//     project as one JSON file; the first export right after the import is
//     timed apart (it used to be the slowest);
//   - pages: GET /api/tasks?project=P&page_size=100&page=N for every page,
//     one after the other, as the SDKs page (the default task_only shape);
//     the last pages must cost what the first ones do;
//   - ids: the legacy SDK's get_tasks_ids, the same pages with
//     fields=all&include=id and its query.
//
// Every size of plan.ReadSizes is a scaling row of each read.
func BigReads(ctx context.Context, plan Plan) ([]Result, []ScaleRow, error) {
	export := Result{Name: "export", Unit: "ms", BaseUnit: "ms (the same bytes from a buffer)", Goal: "≤ 2", goalLimit: 2}
	pages := Result{Name: "GET /api/tasks pages", Unit: "ms", BaseUnit: "ms (the same bytes from buffers)", Goal: "≤ 2", goalLimit: 2}
	flat := Result{Name: "last page / first page", Unit: "ms/page", BaseUnit: "ms/page (first pages)", Goal: "≤ 1.25", goalLimit: 1.25}
	ids := Result{Name: "SDK id listing", Unit: "ms", BaseUnit: "ms (the same bytes from buffers)", Goal: "≤ 2", goalLimit: 2}
	var table []ScaleRow
	for _, n := range plan.ReadSizes {
		res, err := bigReadsAt(ctx, plan, n)
		table = append(table, res.rows...)
		if err != nil {
			return []Result{export}, table, fmt.Errorf("%d tasks: %w", n, err)
		}
		if n != plan.ReadTasks {
			continue
		}
		export.judge(res.export)
		pages.judge(res.pages)
		flat.judge(res.flat)
		ids.judge(res.ids)
		k := strconv.Itoa(n/1000) + "k"
		export.Name, pages.Name, ids.Name = "export "+k, "GET /api/tasks "+k+" pages", "SDK id listing "+k
		export.Note = fmt.Sprintf("%.1f MiB; the first export after the import took %s ms", float64(res.exportBytes)/mib, num(res.firstExport))
		pages.Note = fmt.Sprintf("%d pages of %d, %.1f MiB, one client", res.npages, readPageSize, float64(res.pageBytes)/mib)
		flat.Note = fmt.Sprintf("median ms of the last %d pages over the first %d, read in turn", flatPages, flatPages)
		ids.Note = fmt.Sprintf("%d pages with fields=all&include=id, %.1f MiB", res.npages, float64(res.idBytes)/mib)
	}
	return []Result{export, pages, flat, ids}, table, nil
}

// flatPages is how many pages at each end of the list the flatness check
// compares. It reads them in turn (first, last, last, first, ...), so a
// slow stretch of the machine (the collector marking the bench's heap of
// hundreds of MiB takes a while here) slows both ends alike. Taken from
// one pass over every page, the two ends were a tenth of a second apart
// and their ratio swung from 0.62 to 1.57 within one run.
const flatPages = 20

// bigReadAt is what one project size measured.
type bigReadAt struct {
	export, pages, flat, ids        []Round
	rows                            []ScaleRow
	firstExport                     float64 // ms
	exportBytes, pageBytes, idBytes int
	npages                          int
}

// bigReadsAt measures the three reads on a project of n tasks: the
// project is imported and read once, the answers kept for the baseline,
// then each read is timed against its baseline.
func bigReadsAt(ctx context.Context, plan Plan, n int) (bigReadAt, error) {
	var res bigReadAt
	m, err := startMock(ctx, server.Config{}, "")
	if err != nil {
		return res, err
	}
	defer m.stop()
	if err := importAnnotated(ctx, m.api, m.project, n); err != nil {
		return res, err
	}
	c := newClient(1)
	defer c.CloseIdleConnections()
	p := &bigProject{api: m.api, c: c, project: strconv.Itoa(m.project), npages: (n + readPageSize - 1) / readPageSize}
	if err := p.readOnce(ctx, n, &res); err != nil {
		return res, err
	}
	baseURL, stopBase, err := loopback(p.baseline())
	if err != nil {
		return res, err
	}
	defer stopBase()
	bc := newClient(1)
	defer bc.CloseIdleConnections()
	p.baseURL, p.bc = baseURL, bc

	if res.export, err = p.measureExport(ctx, plan.Rounds); err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	res.rows = append(res.rows, scaleRow("export", n, "ms", res.export, true))
	if res.pages, res.flat, err = p.measurePages(ctx, plan.Rounds); err != nil {
		return res, fmt.Errorf("pages: %w", err)
	}
	res.rows = append(res.rows, scaleRow("pages", n, "ms", res.pages, true))
	if res.ids, err = p.measureIDs(ctx, plan.Rounds); err != nil {
		return res, fmt.Errorf("ids: %w", err)
	}
	res.rows = append(res.rows, scaleRow("ids", n, "ms", res.ids, true))
	return res, nil
}

// bigProject is a big project on a mock, the answers its reads gave
// once, and the baseline server that writes those answers back.
type bigProject struct {
	api     *apiclient.Client
	c       *http.Client // to the mock
	project string
	npages  int

	exportBuf        []byte
	pageBufs, idBufs [][]byte

	baseURL string
	bc      *http.Client // to the baseline
}

func (p *bigProject) exportPath() string {
	return "/api/projects/" + p.project + "/export?exportType=JSON"
}

// pagePath is page i+1 of the tasks as the SDKs page them.
func (p *bigProject) pagePath(i int) string {
	return "/api/tasks?project=" + p.project + "&page_size=" + strconv.Itoa(readPageSize) + "&page=" + strconv.Itoa(i+1)
}

// idPath is page i+1 of the legacy SDK's get_tasks_ids.
func (p *bigProject) idPath(i int) string {
	return "/api/tasks?project=" + p.project + "&page=" + strconv.Itoa(i+1) + "&page_size=" + strconv.Itoa(readPageSize) +
		"&query=" + url.QueryEscape(sdkIDQuery) + "&fields=all&resolve_uri=True&include=id"
}

// mockURL is the mock's URL of path(i).
func (p *bigProject) mockURL(path func(int) string) func(int) string {
	return func(i int) string { return p.api.Base + path(i) }
}

// baseURLOf is the baseline's URL of page i+1 of what it serves at path.
func (p *bigProject) baseURLOf(path string) func(int) string {
	return func(i int) string { return p.baseURL + path + "?page=" + strconv.Itoa(i+1) }
}

// readOnce times the first export right after the import (read as the
// rounds read, and dropped), then reads the export and every page once
// more, kept for the baseline, and records their sizes in res.
func (p *bigProject) readOnce(ctx context.Context, n int, res *bigReadAt) error {
	start := time.Now()
	if _, err := getCount(ctx, p.c, p.api.Base+p.exportPath(), p.api.Token); err != nil {
		return err
	}
	res.firstExport = millis(time.Since(start))
	var err error
	if p.exportBuf, err = get(ctx, p.c, p.api.Base+p.exportPath(), p.api.Token); err != nil {
		return err
	}
	res.exportBytes = len(p.exportBuf)
	res.npages = p.npages
	if p.pageBufs, err = fetchPages(ctx, p.c, p.api, p.npages, p.pagePath); err != nil {
		return err
	}
	if p.idBufs, err = fetchPages(ctx, p.c, p.api, p.npages, p.idPath); err != nil {
		return err
	}
	for i := range p.npages {
		res.pageBytes += len(p.pageBufs[i])
		res.idBytes += len(p.idBufs[i])
	}
	if want := fmt.Sprintf(`"total":%d,`, n); !bytes.Contains(p.pageBufs[0], []byte(want)) {
		return fmt.Errorf("page 1 does not say %s", want)
	}
	return nil
}

// baseline is a handler that writes what the mock answered: /export,
// and /pages?page=N and /ids?page=N.
func (p *bigProject) baseline() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b []byte
		switch r.URL.Path {
		case "/export":
			b = p.exportBuf
		case "/pages", "/ids":
			i, err := strconv.Atoi(r.URL.Query().Get("page"))
			if err != nil || i < 1 || i > len(p.pageBufs) {
				http.Error(w, "Invalid page.", http.StatusNotFound)
				return
			}
			b = p.pageBufs[i-1]
			if r.URL.Path == "/ids" {
				b = p.idBufs[i-1]
			}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

// measureExport times the export against the baseline's copy of it.
func (p *bigProject) measureExport(ctx context.Context, rounds int) ([]Round, error) {
	return interleave(ctx, rounds, func() (float64, error) {
		start := time.Now()
		got, err := getCount(ctx, p.c, p.api.Base+p.exportPath(), p.api.Token)
		if err == nil && got != len(p.exportBuf) {
			err = fmt.Errorf("export of %d bytes, the first one had %d", got, len(p.exportBuf))
		}
		return millis(time.Since(start)), err
	}, func() (float64, error) {
		start := time.Now()
		_, err := getCount(ctx, p.bc, p.baseURL+"/export", "")
		return millis(time.Since(start)), err
	})
}

// measurePages times reading every page against the baseline's copies,
// and, per round, how the last pages compare with the first ones (flat).
func (p *bigProject) measurePages(ctx context.Context, rounds int) (pages, flat []Round, err error) {
	pages, err = interleave(ctx, rounds, func() (float64, error) {
		took, err := p.readPages(ctx, p.c, p.api.Token, p.mockURL(p.pagePath))
		if err != nil {
			return 0, err
		}
		first, last, err := p.readEnds(ctx)
		if err != nil {
			return 0, err
		}
		flat = append(flat, Round{Value: last, Base: first, Ratio: ratio(last, first)})
		return took, nil
	}, func() (float64, error) {
		return p.readPages(ctx, p.bc, "", p.baseURLOf("/pages"))
	})
	return pages, flat, err
}

// readEnds reads the first and the last flatPages pages of the mock in
// turn, first, last, last, first, ..., and returns the median milliseconds
// of a page at each end.
func (p *bigProject) readEnds(ctx context.Context) (first, last float64, err error) {
	k := min(flatPages, p.npages)
	firsts, lasts := make([]float64, k), make([]float64, k)
	page := p.mockURL(p.pagePath)
	timed := func(i int) (float64, error) {
		start := time.Now()
		_, err := getCount(ctx, p.c, page(i), p.api.Token)
		return millis(time.Since(start)), err
	}
	into := [2][]float64{firsts, lasts}
	for i := range k {
		pages := [2]int{i, p.npages - k + i}
		for j := range 2 {
			end := (i + j) % 2 // the first end first when i is even
			if into[end][i], err = timed(pages[end]); err != nil {
				return 0, 0, err
			}
		}
	}
	return median(firsts), median(lasts), nil
}

// measureIDs times the SDK's id listing against the baseline's copies.
func (p *bigProject) measureIDs(ctx context.Context, rounds int) ([]Round, error) {
	return interleave(ctx, rounds, func() (float64, error) {
		return p.readPages(ctx, p.c, p.api.Token, p.mockURL(p.idPath))
	}, func() (float64, error) {
		return p.readPages(ctx, p.bc, "", p.baseURLOf("/ids"))
	})
}

// readPages GETs pages 1..npages one after the other and returns the
// milliseconds they took.
func (p *bigProject) readPages(ctx context.Context, c *http.Client, token string, pageURL func(int) string) (float64, error) {
	start := time.Now()
	for i := range p.npages {
		if _, err := getCount(ctx, c, pageURL(i), token); err != nil {
			return 0, err
		}
	}
	return millis(time.Since(start)), nil
}

// fetchPages GETs pages 1..n and checks that page n+1 is the 404 that
// ends the SDKs' loop.
func fetchPages(ctx context.Context, c *http.Client, api *apiclient.Client, n int, path func(int) string) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range n {
		b, err := get(ctx, c, api.Base+path(i), api.Token)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	if _, err := get(ctx, c, api.Base+path(n), api.Token); err == nil {
		return nil, fmt.Errorf("page %d of %d answered 200, want 404", n+1, n)
	}
	return out, nil
}

// importAnnotated imports n realistic tasks, each with one submitted
// annotation, importBatch rows per request.
func importAnnotated(ctx context.Context, api *apiclient.Client, project, n int) error {
	cfg, err := fakedata.ParseConfig(fakedata.TextClassificationConfig)
	if err != nil {
		return err
	}
	// The next batch is made while the server imports this one: making
	// it costs about what importing it does.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bodies := make(chan []byte, 1)
	var genErr error // set before bodies is closed
	go func() {
		defer close(bodies)
		g := fakedata.New(dataSeed + 2)
		for done := 0; done < n; {
			rows := make([]map[string]any, min(importBatch, n-done))
			for i := range rows {
				data := g.Task(cfg)
				rows[i] = map[string]any{"data": data, "annotations": []any{g.Annotation(cfg, data)}}
			}
			body, err := apiclient.Marshal(rows)
			if err != nil {
				genErr = err
				return
			}
			select {
			case bodies <- body:
			case <-ctx.Done():
				return
			}
			done += len(rows)
		}
	}()
	url := api.Base + "/api/projects/" + strconv.Itoa(project) + "/import"
	for body := range bodies {
		if err := post(ctx, api.HTTP, url, api.Token, body, http.StatusCreated); err != nil {
			return err
		}
	}
	if genErr != nil {
		return genErr
	}
	return ctx.Err() // cancelled before every batch was made
}

// getCount GETs url, wants a 200 and returns how many bytes the answer had.
func getCount(ctx context.Context, c *http.Client, url, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	nb, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return int(nb), nil
}
