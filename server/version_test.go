package server

import "testing"

// GET /api/version answers 1.23.2's bytes, as a real 1.23.2 answered them
// on 2026-12-06 (Django's JsonResponse: json.dumps' spacing; the back
// end's build as the release ships it), plus "labelhook": true.
func TestVersionIsTheReleasesBytes(t *testing.T) {
	e := newAPI(t, Config{})
	status, body := e.call("GET", "/api/version", nil)
	const want = `{"release": "1.23.2", "label-studio-os-package": {"version": "1.23.2", "short_version": "1.23", "latest_version_from_pypi": null, "latest_version_upload_time": null, "current_version_is_outdated": false}, "label-studio-os-backend": {"message": "fix: PLT-1331: Block SSRF in export media downloads", "commit": "df96d79183156e556d91825d15fa7721f1145e1a", "date": "2026/09/25 23:22:13", "branch": "", "version": "1.23.2+0.gdf96d79.dirty"}, "label-studio-frontend": {"message": "fix: PLT-1331: Block SSRF in export media downloads", "commit": "df96d7", "date": "2026-09-25T09:13:03.000Z", "branch": "develop"}, "dm2": {"message": "fix: PLT-1331: Block SSRF in export media downloads", "commit": "df96d7", "date": "2026-09-25T09:13:03.000Z", "branch": "develop"}, "label-studio-converter": {"version": "2.1.2"}, "edition": "Community", "lsf": {"message": "fix: PLT-1331: Block SSRF in export media downloads", "commit": "df96d7", "date": "2026-09-25T09:13:03.000Z", "branch": "develop"}, "backend": {"commit": "df96d7"}, "labelhook": true}`
	if status != 200 || string(body) != want {
		t.Errorf("GET /api/version = %d\n got %s\nwant %s", status, body, want)
	}
}
