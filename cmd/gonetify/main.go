// Command gonetify runs gonetify: `gonetify serve` serves the dotNetify
// example app (the direct WebSocket hub at /ws, the demo page at /).
//
// Every flag can also be set from the environment as GONETIFY_<FLAG>, with
// dashes as underscores (GONETIFY_ADDR, GONETIFY_READ_LIMIT, …); a flag on
// the command line wins.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gonetify/gonetify/server"
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
		if len(os.Args) > 2 {
			fmt.Fprintf(os.Stderr, "gonetify: version takes no arguments (got %q)\n", os.Args[2])
			os.Exit(2)
		}
		fmt.Println("gonetify", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "gonetify: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	os.Exit(exitCode(err))
}

// exitCode reports err (unless the flag package already did) and returns
// the process's exit status: 0 for none or -h, 2 for a bad command line,
// 1 otherwise.
func exitCode(err error) int {
	var perr parseError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &perr):
		return 2 // the flag package printed it, with the usage
	}
	fmt.Fprintln(os.Stderr, "gonetify:", err)
	return 1
}

// parseError is a command-line error the flag package has printed.
type parseError struct{ error }

func (e parseError) Unwrap() error { return e.error }

// newFlagSet returns a flag set whose usage is header then the flags.
func newFlagSet(name, header string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), header)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses args with fs; an error the flag package printed is a
// parseError (flag.ErrHelp for -h).
func parseArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return parseError{err}
	}
	return nil
}

// parseFlags parses args, then fills unset flags from GONETIFY_*
// variables (see server.ParseFlags).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	return server.ParseFlags(fs, fs.Args())
}
