# labelhook: the mock Label Studio (`serve`), the webhook receiver
# (`receive`) and the other commands, in one static binary.
#
#   docker build -t labelhook .
#   docker run --rm -p 127.0.0.1:8080:8080 labelhook serve --addr 0.0.0.0:8080 --sample-data
#
# docker-compose.yml runs the sandbox: the mock with sample data sending
# webhooks to a recording receiver. cmd/labelhook/dockerfiles_test.go checks
# this file and the compose file (no Docker engine needed).

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
# Mount points owned by the nonroot user, so named volumes are writable:
# /records for `receive --record`, /data for `serve --state`.
COPY --from=build --chown=65532:65532 /out/records /records
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
EXPOSE 8080 9090
# The image has no curl: `labelhook health` GETs /health and exits 0 or 1.
# It checks the default command's port; compose overrides it per service.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["labelhook", "health", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["labelhook"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
