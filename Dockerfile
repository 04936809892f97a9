# syntax=docker/dockerfile:1
# gonetify in a small image: a static binary on distroless (CA certificates,
# tzdata, user nonroot), no shell.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t gonetify .
#   docker run -p 8080:8080 gonetify                     # the example app
#   docker run -p 8080:8080 gonetify --redis redis://redis:6379/0 --log-format json
#
# Flags after the image name are appended to `serve --addr 0.0.0.0:8080`;
# every flag can also be set as GONETIFY_<FLAG> (docker run -e …).
# cmd/gonetify's TestDockerBuild runs the `go build` line below as written.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/gonetify ./cmd/gonetify

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gonetify /gonetify
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/gonetify", "serve", "--addr", "0.0.0.0:8080"]
