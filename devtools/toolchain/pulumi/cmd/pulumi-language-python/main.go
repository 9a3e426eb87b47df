// Command pulumi-language-python is the Python language host the Pulumi engine starts to run a
// Python program. Lakeform builds its own because the upstream host's Go module cannot be fetched
// here (see toolchain/README.md). It does one job: start `pulumi-language-python-exec` (the
// script shipped in the Pulumi SDK module, copied beside this binary) with the project's Python,
// passing the engine and resource monitor addresses, and report how the program ended. It exits
// once the engine that started it stops answering its health check (a killed `pulumi up`).
//
// Python is chosen like the upstream host does: Pulumi.yaml's runtime option `virtualenv`
// (relative to the project root), else `.venv` when `toolchain: uv`, else PULUMI_PYTHON_CMD,
// else python3. Dependencies are installed by `uv sync`, not by this host.
//
// It also runs Python plugins the engine starts through a language host (RunPlugin): a Python
// policy pack (`pulumi preview --policy-pack DIR`, DIR holding PulumiPolicy.yaml with
// `runtime: python`) is started as `python DIR <engine address>` with the pack's own runtime
// options, as upstream's host does (sdk/python/cmd/pulumi-language-python/main.go, RunPlugin).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time with -ldflags "-X main.version=<pulumi version>".
var version = "0.0.0-dev"

// defaultEngineCheck is how often the host checks that the engine is still there.
const defaultEngineCheck = 5 * time.Second

// userActionableExit is the exit code the exec script uses after it has shown the user an error.
const userActionableExit = 32

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execScript    string
}

func main() {
	flags := flag.NewFlagSet("pulumi-language-python", flag.ContinueOnError)
	// Flags the engine passes to every plugin; accepted and ignored.
	flags.Bool("logtostderr", false, "log to stderr")
	flags.Bool("logflow", false, "flow logging settings to child processes")
	flags.Int("v", 0, "log verbosity")
	flags.String("tracing", "", "tracing endpoint")
	flags.String("root", "", "project root (unused)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if flags.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "pulumi-language-python: missing engine address; the Pulumi CLI starts this program")
		os.Exit(2)
	}
	execScript, err := besideSelf("pulumi-language-python-exec")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
	host := &languageHost{engineAddress: flags.Arg(0), execScript: execScript}

	// As Pulumi's own plugins do (sdk/go/pulumi/provider/main.go): check that the engine that
	// started us is alive and stop serving when it is not, so a killed `pulumi up` leaves no
	// host behind. Upstream checks every 5 minutes; every few seconds costs nothing here.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rpcutil.Healthcheck(ctx, host.engineAddress, engineCheckInterval(), cancel); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: cannot check the engine: %v\n", err)
		os.Exit(1)
	}
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: cannot listen: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

// engineCheckInterval is how often the engine is checked: LAKEFORM_ENGINE_CHECK_SECONDS (the
// local provider reads the same variable), else defaultEngineCheck.
func engineCheckInterval() time.Duration {
	if raw := os.Getenv("LAKEFORM_ENGINE_CHECK_SECONDS"); raw != "" {
		if seconds, err := strconv.ParseFloat(raw, 64); err == nil && seconds > 0 {
			return time.Duration(seconds * float64(time.Second))
		}
		fmt.Fprintf(os.Stderr,
			"pulumi-language-python: LAKEFORM_ENGINE_CHECK_SECONDS=%q is not a positive number; "+
				"using %s\n", raw, defaultEngineCheck)
	}
	return defaultEngineCheck
}

// besideSelf returns the path of name in this executable's real directory (symlinks resolved).
func besideSelf(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return "", err
	}
	path := filepath.Join(filepath.Dir(self), name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s must sit beside this executable: %w", name, err)
	}
	return path, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages reports nothing: the Python SDKs name their provider and its version on
// every resource registration, and provider plugins are found on PATH, never downloaded.
func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	msg := "Python dependencies are installed by `uv sync` (make setup), not by Pulumi.\n"
	return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	root, programDir, entry := info.GetRootDirectory(), info.GetProgramDirectory(), info.GetEntryPoint()
	if root == "" {
		root = req.GetPwd()
	}
	if programDir == "" {
		programDir = req.GetPwd()
	}
	program := req.GetProgram()
	if entry != "" {
		program = filepath.Join(programDir, entry)
	}

	python, extraEnv, err := pythonCommand(root, info.GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	// The SDK reads config from these two variables; send {} and [] rather than null.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, err
	}

	args := []string{
		"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--organization", req.GetOrganization(),
		"--root_directory", root,
		program,
	}
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(withoutPythonHome(os.Environ()), extraEnv...)
	cmd.Env = append(cmd.Env,
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == userActionableExit:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Python program exited with code %d", exitErr.ExitCode()),
		}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("cannot start %s: %v", python, err)}, nil
	}
}

// RunPlugin runs a plugin written in Python: the engine sends the plugin's directory (for a
// policy pack, the folder holding PulumiPolicy.yaml) as the program, its runtime options, the
// arguments (the engine address, after any logging flags) and the environment. The directory's
// `__main__.py` runs as `python -u DIR ARGS...` in the engine's working directory, and its output
// is streamed back; the exit code ends the stream. As upstream's host: the engine reads the
// plugin's gRPC port from the first line of its stdout.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	info := req.GetInfo()
	root, dir := info.GetRootDirectory(), info.GetProgramDirectory()
	if dir == "" {
		dir = root
	}
	python, extraEnv, err := pythonCommand(root, info.GetOptions().AsMap())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	args := append([]string{"-u", dir}, req.GetArgs()...)
	cmd := exec.CommandContext(server.Context(), python, args...)
	cmd.Dir = req.GetPwd()
	// The engine's environment for the plugin comes last but for the virtualenv's PATH: in
	// os/exec a later entry for the same name wins.
	env := append(os.Environ(), req.GetEnv()...)
	cmd.Env = append(withoutPythonHome(env), extraEnv...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code := exitErr.ExitCode()
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
				code = 128 + int(status.Signal())
			}
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}, //nolint:gosec // an exit code
			})
		}
		return fmt.Errorf("cannot start %s for the plugin in %s: %w", python, dir, err)
	}
	return closer.Close()
}

// pythonCommand picks the interpreter from Pulumi.yaml's runtime options and returns it with
// the environment changes a virtual environment needs.
func pythonCommand(root string, options map[string]any) (string, []string, error) {
	venv, _ := options["virtualenv"].(string)
	if venv == "" && options["toolchain"] == "uv" {
		venv = ".venv"
	}
	if venv == "" {
		if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
			return cmd, nil, nil
		}
		return "python3", nil, nil
	}
	if !filepath.IsAbs(venv) {
		venv = filepath.Join(root, venv)
	}
	python := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return "", nil, fmt.Errorf(
			"the virtual environment %s has no bin/python; run `uv sync` (make setup) first", venv)
	}
	path := filepath.Join(venv, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	return python, []string{"PATH=" + path, "VIRTUAL_ENV=" + venv}, nil
}

// withoutPythonHome drops PYTHONHOME, which would point a virtual environment's Python elsewhere.
func withoutPythonHome(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PYTHONHOME=") {
			kept = append(kept, kv)
		}
	}
	return kept
}
