# syntax=docker/dockerfile:1
# spuffbot image: a static binary on a minimal non-root base.
#   docker build -t spuffbot --build-arg VERSION=$(git describe --always) .
#   docker run -e SLACK_APP_TOKEN_FILE=... -v spuffbot-data:/data spuffbot
# The build stage runs the same command as static_test.go checks
# (TestStaticBinary reads it from this file), so what the image ships is
# tested without Docker: static, at most 20 MB (19.1 MB), and without
# html/template, whose reflective method calls would keep every method of
# every SDK client linked (58 MB when gRPC brought it in).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/spuffbot .

# distroless/static: CA certificates, tzdata, /etc/passwd with uid 65532
# "nonroot", and nothing else — no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/spuffbot /usr/local/bin/spuffbot
# The bbolt database lives on a volume so that it survives restarts.
VOLUME /data
# GOMEMLIMIT makes the Go runtime collect and return memory before the heap
# grows past it (a soft limit: above it the GC just works harder). An idle
# bot with 10,000 instances has a heap of about 18 MB; raise it for very
# large teams.
ENV SPUFF_DB=/data/spuffbot.db \
    SPUFF_LISTEN=:9090 \
    GOMEMLIMIT=48MiB
EXPOSE 9090
USER nonroot:nonroot
# Health: probe http://<pod>:9090/healthz (liveness) and /readyz (readiness:
# Socket Mode connected, database open). There is no shell in the image, so
# use the orchestrator's HTTP probes rather than a HEALTHCHECK with curl.
ENTRYPOINT ["/usr/local/bin/spuffbot"]
CMD ["run"]
