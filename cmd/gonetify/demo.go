package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/deploy/cloudformation"
	"github.com/gonetify/gonetify/gateway"
	"github.com/gonetify/gonetify/server"
)

const demoUsage = `Usage: gonetify demo [flags]

Runs the README's demo on one machine: the example app server (as
gonetify serve) and, in front of it, a local API Gateway WebSocket API
emulated from deploy/cloudformation/gonetify.yaml, with fresh credentials
and integration secret. Open the printed URL; the demo page connects
through the emulator.

Every flag can also be set as GONETIFY_<FLAG> (dashes as underscores); the
command line wins.

Example:
  gonetify demo --addr 127.0.0.1:8080 --gateway-addr 127.0.0.1:8081

Flags:
`

// demo runs the seed's topology on one machine: the app server, and in
// front of it the API Gateway emulator configured from our CloudFormation
// template, with fresh credentials and integration secret. The demo page
// connects through the emulator.
func demo(args []string) error {
	fs := newFlagSet("demo", demoUsage)
	var cfg appConfig
	cfg.flags(fs)
	gwAddr := fs.String("gateway-addr", "127.0.0.1:8081", "the API Gateway emulator's listen address `host:port`")
	stage := fs.String("stage", "prod", "the emulated stage name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := server.NewLogger(cfg.LogFormat, cfg.Debug)
	if err != nil {
		return err
	}
	slog.SetDefault(log)

	keyID, secretKey, integrationSecret := "AKIDGONETIFYDEMO", randomHex(20), randomHex(16)
	cfg.ConnectionURL = "http://" + *gwAddr + "/" + *stage + "/@connections"
	cfg.AWSCredentials = credentials.NewStaticCredentialsProvider(keyID, secretKey, "")
	cfg.IntegrationSecret = integrationSecret
	cfg.demoHubURL = "ws://" + *gwAddr + "/" + *stage
	if cfg.AWSRegion == "" {
		cfg.AWSRegion = "us-east-1"
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := startApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	api, err := gateway.LoadTemplate(cloudformation.Template, map[string]string{
		"AppServerUrl":      "http://" + app.addr,
		"IntegrationSecret": integrationSecret,
		"StageName":         *stage,
		"AWS::Region":       cfg.AWSRegion,
	})
	if err != nil {
		_ = app.shutdown()
		return err
	}
	g, err := gateway.New(api, gateway.Options{Credentials: map[string]string{keyID: secretKey}, Logger: log})
	if err != nil {
		_ = app.shutdown()
		return err
	}
	gs, err := gateway.Listen(g, *gwAddr)
	if err != nil {
		_ = app.shutdown()
		return err
	}
	fmt.Printf("\ngonetify demo: the app server behind a local API Gateway (deploy/cloudformation/gonetify.yaml)\n"+
		"  open            http://%s/\n"+
		"  WebSocket URL   %s\n"+
		"  Connection URL  %s\n"+
		"  direct hub      ws://%s/ws\n"+
		"Press Ctrl+C to stop.\n\n", app.addr, gs.WebSocketURL(), gs.ConnectionURL(), app.addr)

	select {
	case <-ctx.Done():
	case <-app.done:
	case err := <-gs.Done():
		log.Error("gateway stopped", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gerr := gs.Shutdown(sctx)
	if err := app.shutdown(); err != nil {
		return err
	}
	return gerr
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
