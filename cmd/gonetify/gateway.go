package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/gonetify/gonetify/deploy/cloudformation"
	"github.com/gonetify/gonetify/gateway"
	"github.com/gonetify/gonetify/server"
)

// multiFlag collects a repeatable flag's values.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// gatewayCmd runs `gonetify gateway`: the local Amazon API Gateway
// WebSocket emulator configured from a CloudFormation template.
func gatewayCmd(args []string) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: gonetify gateway [flags]

Runs a local emulator of the Amazon API Gateway WebSocket API described by a
CloudFormation template (default: gonetify's deploy/cloudformation/gonetify.yaml).
Clients connect to the WebSocket URL; the app server pushes to the Connection
URL with SigV4-signed requests (service execute-api).

Example:
  gonetify gateway --param AppServerUrl=http://127.0.0.1:8080 \
    --param IntegrationSecret=change-me-0123456789 --credentials AKIDLOCAL:secretlocal

Flags:
`)
		fs.PrintDefaults()
	}
	var params, creds multiFlag
	template := fs.String("template", "", "CloudFormation template `file` (default: the built-in gonetify.yaml)")
	fs.Var(&params, "param", "template parameter `KEY=VALUE` (repeatable; AWS::Region etc. override pseudo parameters)")
	stage := fs.String("stage", "", "stage `name` (default: the template's StageName)")
	region := fs.String("region", "", "AWS `region` for SigV4 checks and URLs (default: the AWS SDK's chain, like the app server: $AWS_REGION, $AWS_DEFAULT_REGION, the profile in ~/.aws/config; else us-east-1)")
	addr := fs.String("addr", "127.0.0.1:8081", "listen address `host:port`")
	fs.Var(&creds, "credentials", "accepted @connections key `KEYID:SECRET` (repeatable; default $AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY)")
	maxMessage := fs.Int64("max-message", gateway.DefaultMaxMessageBytes, "largest client message in `bytes`; bigger closes with 1009")
	maxFrame := fs.Int("max-frame", gateway.DefaultMaxFrameBytes, "largest WebSocket frame payload in `bytes`; bigger client frames close with 1009")
	maxPost := fs.Int64("max-post", gateway.DefaultMaxPostBytes, "largest @connections POST body in `bytes`; bigger answers 413")
	idle := fs.Duration("idle-timeout", gateway.DefaultIdleTimeout, "close connections that carried no message either way (client messages and pushes both count) for this `duration`")
	maxDuration := fs.Duration("max-duration", gateway.DefaultMaxConnectionDuration, "close any connection after this `duration`")
	intTimeout := fs.Duration("integration-timeout", gateway.DefaultIntegrationTimeout, "cap on every integration call (`duration`)")
	connectRate := fs.Float64("connect-rate", gateway.DefaultConnectRate, "new connections accepted per `second`; beyond, the handshake answers 429")
	sendQueue := fs.Int("send-queue", gateway.DefaultSendQueue, "frames queued per connection; when full, @connections POST answers 429")
	skew := fs.Duration("clock-skew", gateway.DefaultMaxClockSkew, "allowed SigV4 X-Amz-Date skew (`duration`)")
	ordered := fs.Bool("ordered-delivery", false, "orderly mode (not AWS behaviour): send one connection's messages to the backend one at a time, in order, and $disconnect after them, retried; default: as AWS, calls may overlap and $disconnect is best effort")
	unreachable404 := fs.Bool("unreachable-404", false, "when the integration is unreachable, times out or answers 404, send the frame \"404\" (dotNetify's hint; AWS never sends it) instead of AWS's frames")
	connectAny := fs.Bool("connect-any-status", false, "accept connections whatever status the $connect integration answers (REST non-proxy behaviour; default: non-2xx refuses the handshake)")
	integrationCA := fs.String("integration-ca", "", "PEM `file` of extra CA certificates trusted for https:// integrations (a local app server's self-signed certificate; AWS trusts public CAs only)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	debug := fs.Bool("debug", false, "log every integration call and signature failure detail")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	log, err := server.NewLogger(*logFormat, *debug)
	if err != nil {
		return err
	}

	pm := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return fmt.Errorf("--param %q: use KEY=VALUE, for example --param AppServerUrl=http://127.0.0.1:8080", p)
		}
		pm[k] = v
	}
	if *region == "" {
		r, err := sdkRegion(context.Background())
		if err != nil {
			return err
		}
		*region = r
	}
	if *region != "" {
		if _, set := pm[gateway.PseudoRegion]; !set {
			pm[gateway.PseudoRegion] = *region
		}
	}
	credMap, err := gatewayCredentials(creds)
	if err != nil {
		return err
	}

	var api *gateway.API
	if *template == "" {
		api, err = gateway.LoadTemplate(cloudformation.Template, pm)
		if err != nil {
			err = fmt.Errorf("built-in template: %w", err)
		}
	} else {
		api, err = gateway.LoadTemplateFile(*template, pm)
	}
	if err != nil {
		return err
	}
	var httpClient *http.Client
	if *integrationCA != "" {
		pem, err := os.ReadFile(*integrationCA)
		if err != nil {
			return fmt.Errorf("--integration-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--integration-ca %s: no PEM certificate found in the file", *integrationCA)
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		httpClient = &http.Client{Transport: t}
	}
	g, err := gateway.New(api, gateway.Options{
		HTTPClient:            httpClient,
		Stage:                 *stage,
		Credentials:           credMap,
		Logger:                log,
		MaxMessageBytes:       *maxMessage,
		MaxFrameBytes:         *maxFrame,
		MaxPostBytes:          *maxPost,
		IdleTimeout:           *idle,
		MaxConnectionDuration: *maxDuration,
		IntegrationTimeout:    *intTimeout,
		ConnectRate:           *connectRate,
		SendQueue:             *sendQueue,
		MaxClockSkew:          *skew,
		OrderedDelivery:       *ordered,
		UnreachableAs404:      *unreachable404,
		ConnectIgnoresStatus:  *connectAny,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := gateway.Listen(g, *addr)
	if err != nil {
		return err
	}
	routes := make([]string, 0, len(api.Routes))
	for k, r := range api.Routes {
		target := "(no integration)"
		if r.Integration != nil {
			target = r.Integration.URI
		}
		routes = append(routes, k+" -> "+target)
	}
	sort.Strings(routes)
	var shown []string
	for _, name := range sortedParamNames(api) {
		shown = append(shown, api.Parameters[name].String())
	}
	keys := make([]string, 0, len(credMap))
	for k := range credMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	log.Info("gateway emulator running", "api", api.ID, "region", api.Region, "stage", g.Stage(),
		"routes", strings.Join(routes, "; "), "params", strings.Join(shown, " "), "accessKeyIds", strings.Join(keys, ","))
	fmt.Printf("WebSocket URL: %s\n", srv.WebSocketURL())
	fmt.Printf("Connection URL: %s\n", srv.ConnectionURL())

	select {
	case <-ctx.Done():
	case err := <-srv.Done():
		if err != nil {
			return fmt.Errorf("gateway server stopped: %w", err)
		}
		return nil
	}
	log.Info("shutting down: closing connections and sending $disconnect")
	sctx, cancel := context.WithTimeout(context.Background(), *intTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// gatewayCredentials parses KEYID:SECRET values, falling back to the AWS
// environment variables.
func gatewayCredentials(values []string) (map[string]string, error) {
	m := map[string]string{}
	for _, c := range values {
		id, secret, ok := strings.Cut(c, ":")
		if !ok || id == "" || secret == "" {
			return nil, errors.New("--credentials needs KEYID:SECRET (the access key id and secret the app server signs with)")
		}
		m[id] = secret
	}
	if len(m) == 0 {
		id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return nil, errors.New("no credentials for the @connections API: pass --credentials KEYID:SECRET (any made-up pair, the same the app server signs with) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
		m[id] = secret
	}
	return m, nil
}

func sortedParamNames(api *gateway.API) []string {
	names := make([]string, 0, len(api.Parameters))
	for n := range api.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sdkRegion resolves the region the way the AWS SDK (and so the app
// server) does: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region
// in the shared config files (AWS_PROFILE, AWS_CONFIG_FILE honoured). ""
// when none is set.
func sdkRegion(ctx context.Context) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the AWS region from the SDK configuration (~/.aws/config, AWS_PROFILE): %w; fix the file or pass --region", err)
	}
	return cfg.Region, nil
}
