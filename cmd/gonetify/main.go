// Command gonetify runs gonetify: `gonetify serve` serves the dotNetify
// example app (the direct WebSocket hub at /ws, the demo page at /).
//
// Every flag can also be set from the environment as GONETIFY_<FLAG>, with
// dashes as underscores (GONETIFY_ADDR, GONETIFY_READ_LIMIT, …); a flag on
// the command line wins.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `gonetify: a Go server for dotNetify apps.

Usage:
  gonetify demo [flags]      run the example app behind a local API Gateway (the README's demo)
  gonetify serve [flags]     run the example app (hub at /ws, demo page at /)
  gonetify gateway [flags]   run a local API Gateway WebSocket API from a CloudFormation template
  gonetify bench SCENARIO    measure: connect, push, fanout, roundtrip or gateway (see -h)
  gonetify version           print the version

Run "gonetify COMMAND -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "gateway":
		err = gatewayCmd(os.Args[2:])
	case "demo":
		err = demo(os.Args[2:])
	case "bench":
		err = benchCmd(os.Args[2:])
	case "bench-server":
		err = benchServerCmd(os.Args[2:])
	case "bench-baseline":
		err = benchBaselineCmd(os.Args[2:])
	case "version", "--version", "-v":
		fmt.Println("gonetify", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "gonetify: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gonetify:", err)
		os.Exit(1)
	}
}

// parseFlags parses args after filling unset flags from GONETIFY_* variables.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "GONETIFY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (flags go before nothing else; see -h)", fs.Arg(0))
	}
	return err
}
