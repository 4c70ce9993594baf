// compose-check loads compose files the way `docker compose config` does, without Docker: the
// compose-go library that Docker Compose itself is built on validates each file against the bundled
// Compose specification schema, interpolates ${VAR...} and runs the loader's consistency checks
// (depends_on, networks, volumes, ...); then it checks that local build contexts, Dockerfiles and
// bind-mount sources exist. It prints one line per problem and exits 1 if there was any, 2 on bad usage.
//
//	compose-check [--env KEY=VALUE]... FILE...   (flags first; each FILE is loaded as its own project)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, ",") }
func (e *envFlag) Set(v string) error {
	if !strings.Contains(v, "=") || strings.HasPrefix(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// warnings collects what the loader only logs (e.g. the obsolete `version:` key): docker compose
// accepts such a file, but a generated starter should load without any.
type warnings struct{ msgs []string }

func (w *warnings) Levels() []logrus.Level { return []logrus.Level{logrus.WarnLevel} }
func (w *warnings) Fire(e *logrus.Entry) error {
	w.msgs = append(w.msgs, e.Message)
	return nil
}

func main() {
	var env envFlag
	flags := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	flags.Var(&env, "env", "KEY=VALUE for interpolation (repeatable); the real environment is not used")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--env KEY=VALUE]... FILE...")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil || flags.NArg() == 0 {
		if err == nil {
			flags.Usage()
		}
		os.Exit(2)
	}

	// The hook sees every warning; stderr would only mix them into our output.
	hook := &warnings{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(hook)

	failed := false
	for _, file := range flags.Args() {
		hook.msgs = nil
		problems := check(file, env)
		for _, w := range hook.msgs {
			problems = append(problems, "warning: "+w)
		}
		for _, p := range problems {
			// One problem per line, whatever the loader's message looks like.
			fmt.Printf("%s: %s\n", file, strings.Join(strings.Fields(p), " "))
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// check loads one file as its own project. The loader stops at the first error, like docker compose,
// so a file yields at most one error (plus any warnings).
func check(file string, env []string) []string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return []string{err.Error()}
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		// Relative paths (build contexts, bind mounts) resolve against the file's own directory, and
		// the project name comes from it too, as when running `docker compose` next to the file.
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		// Only the variables given on the command line: no cli.WithOsEnv and no .env file, so the
		// result does not depend on the machine it runs on.
		cli.WithEnv(env),
		// Every profile: plain `docker compose config` would skip services behind one, and a
		// mistake there is still a mistake.
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return []string{err.Error()}
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		// Our output names the file already. An unknown key fails the schema's `additionalProperties:
		// false`, which the validator words as "services.app.dependson false schema"; say what it means.
		msg, unknown := strings.CutSuffix(strings.TrimPrefix(err.Error(), "validating "+abs+": "), " false schema")
		if unknown {
			msg += " is not allowed (no such key in the Compose specification)"
		}
		return []string{msg}
	}
	return missingPaths(project)
}

// missingPaths goes one step past `docker compose config`, which does not look at the disk: a build
// context or Dockerfile that is not there fails `docker compose up --build`, and a missing bind-mount
// source is silently created as an empty directory. Paths here are already absolute (resolved against
// the working dir); remote build contexts (git, URLs) stay relative and are skipped.
func missingPaths(project *types.Project) []string {
	var problems []string
	missing := func(p string) bool { _, err := os.Stat(p); return err != nil }
	for _, name := range project.ServiceNames() {
		s := project.Services[name]
		if b := s.Build; b != nil && filepath.IsAbs(b.Context) {
			dockerfile := b.Dockerfile
			if !filepath.IsAbs(dockerfile) {
				dockerfile = filepath.Join(b.Context, dockerfile)
			}
			if missing(b.Context) {
				problems = append(problems, fmt.Sprintf("services.%s.build: context %s does not exist", name, b.Context))
			} else if b.DockerfileInline == "" && missing(dockerfile) {
				problems = append(problems, fmt.Sprintf("services.%s.build: %s does not exist", name, dockerfile))
			}
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && filepath.IsAbs(v.Source) && missing(v.Source) {
				problems = append(problems, fmt.Sprintf("services.%s.volumes: bind-mount source %s does not exist", name, v.Source))
			}
		}
	}
	return problems
}
