package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gonetify/gonetify/deploy/cloudformation"
	"github.com/gonetify/gonetify/gateway"
)

// demo runs the seed's topology on one machine: the app server, and in
// front of it the API Gateway emulator configured from our CloudFormation
// template, with fresh credentials and integration secret. The demo page
// connects through the emulator.
func demo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var cfg appConfig
	cfg.flags(fs)
	gwAddr := fs.String("gateway-addr", "127.0.0.1:8081", "the API Gateway emulator's listen address `host:port`")
	stage := fs.String("stage", "prod", "the emulated stage name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.debug)
	slog.SetDefault(log)

	keyID, secretKey, integrationSecret := "AKIDGONETIFYDEMO", randomHex(20), randomHex(16)
	cfg.connectionURL = "http://" + *gwAddr + "/" + *stage + "/@connections"
	cfg.credentials = credentials.NewStaticCredentialsProvider(keyID, secretKey, "")
	cfg.secret = integrationSecret
	cfg.demoHubURL = "ws://" + *gwAddr + "/" + *stage
	if cfg.awsRegion == "" {
		cfg.awsRegion = "us-east-1"
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
		"AWS::Region":       cfg.awsRegion,
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
