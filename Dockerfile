# labelhook in one static binary: the mock Label Studio (`serve`), the
# webhook receiver (`receive`), the scenario runner (`run`) and the other
# commands, with the scenario library at /scenarios/library.
#
#   docker build -t labelhook .
#   docker run --rm -p 127.0.0.1:8080:8080 labelhook serve --addr 0.0.0.0:8080 --sample-data
#   docker run --rm labelhook run /scenarios/library
#
# docker-compose.yml runs the sandbox (the mock sending to a recording
# receiver) from this one image. cmd/labelhook/dockerfiles_test.go reads
# this file with BuildKit's own Dockerfile parser and checks what it builds
# (no Docker engine needed); docs/docker.md says what was not run.

FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only the sources: no local binaries, no .git.
COPY cmd ./cmd
COPY internal ./internal
COPY receiver ./receiver
COPY scenarios ./scenarios
COPY schemas ./schemas
COPY server ./server
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/labelhook ./cmd/labelhook \
 && mkdir -p /out/records /out/data

# distroless/static: no shell, no curl, no libc; a nonroot user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/labelhook /usr/local/bin/labelhook
# The scenario library: `labelhook run /scenarios/library`.
COPY --from=build /src/scenarios/library /scenarios/library
# Mount points owned by the nonroot user, so named volumes are writable:
# /records for `receive --record`, /data for `serve --state`.
COPY --from=build --chown=65532:65532 /out/records /records
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
EXPOSE 8080 9090
# The image has no curl: `labelhook health` GETs /health and exits 0 or 1.
# It checks $LABELHOOK_HEALTH_URL, by default serve's
# http://127.0.0.1:8080/health: a container running `receive` sets
# LABELHOOK_HEALTH_URL=http://127.0.0.1:9090/health (or its own check).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["labelhook", "health"]
ENTRYPOINT ["labelhook"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
