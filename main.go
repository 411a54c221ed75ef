// Hookscope: a local webhook inspector. main only dispatches: the window by
// default, a subcommand when one is named.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	// First, so the locale is settled before Fyne initialises.
	_ "dev.hookscope/app/locale"

	"dev.hookscope/cli"
	"dev.hookscope/localapi"
	"dev.hookscope/ui"
)

func main() {
	args := os.Args[1:]
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() { <-signals; close(stop) }()

	if cli.IsCommand(args) {
		os.Exit(cli.Run(cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Signals: stop}, args))
	}
	opts, err := cli.ParseWindowFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hookscope: "+err.Error())
		os.Exit(cli.ExitError)
	}
	if opts.Remote != "" {
		attach := func() (*localapi.RemoteSource, error) { return opts.AttachRemote(os.Stderr) }
		os.Exit(ui.RunRemote(attach, os.Stdout, os.Stderr, stop))
	}
	os.Exit(ui.Run(opts.Config, opts.APIAddr, os.Stdout, os.Stderr, stop))
}
