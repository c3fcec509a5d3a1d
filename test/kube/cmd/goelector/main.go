// Command goelector runs client-go's reference leader elector
// (k8s.io/client-go/tools/leaderelection with a LeaseLock) on one Lease and
// prints one JSON line per event on stdout, timestamped on CLOCK_MONOTONIC
// (nanoseconds, decimal string) so that its intervals can be compared with
// those of TypeScript candidates using process.hrtime.bigint().
//
//	{"type":"leading","identity":"ID","at":"<ns>"}
//	{"type":"stopped-leading","identity":"ID","at":"<ns>"}
//	{"type":"new-leader","identity":"ID","leader":"X","at":"<ns>"}
//	{"type":"exit","identity":"ID","at":"<ns>"}
//	{"type":"releasing","identity":"ID","at":"<ns>"}
//	{"type":"released","identity":"ID","at":"<ns>","error":"…"}
//
// client-go calls OnStoppedLeading only after its release write returned, so
// "stopped-leading" trails the moment leadership really ended. "releasing" is
// printed just before the release write (an update with an empty holder) is
// sent, and "released" when it returned (with "error" if it failed): the lock
// is wrapped to see it.
//
// SIGTERM or SIGINT cancels the context; with ReleaseOnCancel the lease is
// released (holderIdentity "") before the process exits.
//
// With --leases=M (M > 1) it runs M LeaderElectors in this one process over one
// shared clientset, on the Leases NAME-0 … NAME-(M-1) with identities
// IDENTITY-0 …, as a Go process hosting many leader-gated controllers would
// (benchmark B4). Per-elector events are not printed then; instead aggregate
// lines (see multi.go): "baseline" (RSS before any elector starts), "progress"
// every 5 s, "settled" when all M lead, "lost" whenever one stops leading
// before the end.
//
// --candidate (with --binary-version, --emulation-version) runs client-go's
// coordinated election instead: a LeaseCandidate and a Coordinated elector (see
// candidate.go); it prints "candidate" once its LeaseCandidate informer synced.
//
// --content-type=json makes the client send and accept JSON instead of
// protobuf, so that it runs against servers that speak only JSON (leasehold's
// embedded server). --qps/--burst set the client-side rate limiter (client-go's
// defaults 5/10 when 0; a negative QPS disables it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

type event struct {
	Type     string `json:"type"`
	Identity string `json:"identity"`
	Leader   string `json:"leader,omitempty"`
	At       string `json:"at"`
	Error    string `json:"error,omitempty"`
}

var outMu sync.Mutex

// monotonicNanos reads CLOCK_MONOTONIC, the clock behind Node's
// process.hrtime.bigint() on Linux.
func monotonicNanos() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return strconv.FormatInt(ts.Nano(), 10)
}

func emit(e event) {
	e.At = monotonicNanos()
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

// tracingLock reports release writes: updates that empty the holder.
type tracingLock struct {
	resourcelock.Interface
	id string
}

func (l *tracingLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	if ler.HolderIdentity != "" {
		return l.Interface.Update(ctx, ler)
	}
	emit(event{Type: "releasing", Identity: l.id})
	err := l.Interface.Update(ctx, ler)
	e := event{Type: "released", Identity: l.id}
	if err != nil {
		e.Error = err.Error()
	}
	emit(e)
	return err
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig (required)")
	namespace := flag.String("namespace", "default", "namespace of the Lease")
	name := flag.String("name", "", "name of the Lease (required)")
	identity := flag.String("identity", "", "holder identity (default: hostname_pid)")
	leaseDuration := flag.Duration("lease-duration", 15*time.Second, "LeaseDuration")
	renewDeadline := flag.Duration("renew-deadline", 10*time.Second, "RenewDeadline")
	retryPeriod := flag.Duration("retry-period", 2*time.Second, "RetryPeriod")
	leases := flag.Int("leases", 1, "number of Leases (and LeaderElectors) in this process")
	contentType := flag.String("content-type", "protobuf", "wire format: protobuf (client-go's default, left as it is) or json")
	qps := flag.Float64("qps", 0, "client-side QPS limit (0: client-go's default 5; negative: none)")
	burst := flag.Int("burst", 0, "client-side burst (0: client-go's default 10)")
	candidate := flag.Bool("candidate", false, "coordinated election: publish a LeaseCandidate (leaderelection.NewCandidate) and run a Coordinated elector (see candidate.go)")
	binaryVersion := flag.String("binary-version", "", "--candidate: the LeaseCandidate's binaryVersion (strict semver)")
	emulationVersion := flag.String("emulation-version", "", "--candidate: the LeaseCandidate's emulationVersion (default: --binary-version)")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	flag.Parse()

	if *kubeconfig == "" || *name == "" {
		fmt.Fprintln(os.Stderr, "goelector: --kubeconfig and --name are required")
		os.Exit(2)
	}
	id := *identity
	if id == "" {
		host, _ := os.Hostname()
		id = host + "_" + strconv.Itoa(os.Getpid())
	}

	exitCode := 0
	defer func() {
		emit(event{Type: "exit", Identity: id})
		os.Exit(exitCode)
	}()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		emit(event{Type: "error", Identity: id, Error: err.Error()})
		exitCode = 1
		return
	}
	switch *contentType {
	case "json":
		cfg.ContentType = "application/json"
		cfg.AcceptContentTypes = "application/json"
	case "protobuf":
		// client-go's own default: its typed clients prefer protobuf when ContentType is unset.
	default:
		emit(event{Type: "error", Identity: id, Error: "--content-type must be protobuf or json"})
		exitCode = 2
		return
	}
	cfg.QPS = float32(*qps)
	cfg.Burst = *burst
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		emit(event{Type: "error", Identity: id, Error: err.Error()})
		exitCode = 1
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		cancel()
	}()

	timing := timing{*leaseDuration, *renewDeadline, *retryPeriod}
	if *leases > 1 {
		if err := runMany(ctx, client, *namespace, *name, id, *leases, timing); err != nil {
			emit(event{Type: "error", Identity: id, Error: err.Error()})
			exitCode = 2
		}
		return
	}

	if *candidate {
		if err := runCandidate(ctx, client, *namespace, *name, id, timing, candidateOptions{*binaryVersion, *emulationVersion}); err != nil {
			emit(event{Type: "error", Identity: id, Error: err.Error()})
			exitCode = 2
		}
		return
	}

	lock := &tracingLock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: *namespace, Name: *name},
			Client:     client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: id},
		},
		id: id,
	}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   *leaseDuration,
		RenewDeadline:   *renewDeadline,
		RetryPeriod:     *retryPeriod,
		ReleaseOnCancel: true,
		Name:            *name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) {
				emit(event{Type: "leading", Identity: id})
			},
			OnStoppedLeading: func() {
				emit(event{Type: "stopped-leading", Identity: id})
			},
			OnNewLeader: func(leader string) {
				emit(event{Type: "new-leader", Identity: id, Leader: leader})
			},
		},
	})
	if err != nil {
		emit(event{Type: "error", Identity: id, Error: err.Error()})
		exitCode = 2
		return
	}
	// Run returns when ctx is cancelled (after releasing, if leading) or when
	// leadership is lost; client-go never becomes a candidate again after that.
	le.Run(ctx)
}
