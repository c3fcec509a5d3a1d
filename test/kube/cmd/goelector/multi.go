package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

type timing struct {
	leaseDuration, renewDeadline, retryPeriod time.Duration
}

// aggregate is one line of --leases=M mode. RSS is read from /proc/self/statm,
// the same figure the benchmark reads from outside for any process.
type aggregate struct {
	Type       string  `json:"type"`
	Identity   string  `json:"identity"`
	At         string  `json:"at"`
	AtS        int64   `json:"atS"`
	M          int     `json:"m"`
	Leading    int64   `json:"leading"`
	Lost       int64   `json:"lost"`
	SettleMs   *int64  `json:"settleMs,omitempty"`
	RssMb      float64 `json:"rssMb"`
	HeapMb     float64 `json:"heapMb"`
	Goroutines int     `json:"goroutines"`
}

func rssMb() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return float64(pages*int64(os.Getpagesize())) / (1 << 20)
}

func mb1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// runMany runs m LeaderElectors on one clientset (one connection pool, one
// rate limiter) until ctx is cancelled; each releases its Lease on the way out.
func runMany(ctx context.Context, client kubernetes.Interface, namespace, name, id string, m int, t timing) error {
	var leading, lost atomic.Int64
	start := time.Now()
	line := func(typ string, settleMs *int64) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b, err := json.Marshal(aggregate{
			Type: typ, Identity: id, At: monotonicNanos(), AtS: int64(time.Since(start).Seconds()),
			M: m, Leading: leading.Load(), Lost: lost.Load(), SettleMs: settleMs,
			RssMb: mb1(rssMb()), HeapMb: mb1(float64(ms.HeapInuse) / (1 << 20)),
			Goroutines: runtime.NumGoroutine(),
		})
		if err != nil {
			panic(err)
		}
		outMu.Lock()
		defer outMu.Unlock()
		os.Stdout.Write(append(b, '\n'))
	}

	// The baseline: client built, nothing running yet.
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	line("baseline", nil)
	start = time.Now()

	electors := make([]*leaderelection.LeaderElector, 0, m)
	settled := make(chan struct{})
	var settleOnce sync.Once
	for i := 0; i < m; i++ {
		ident := fmt.Sprintf("%s-%d", id, i)
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: &resourcelock.LeaseLock{
				LeaseMeta:  metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("%s-%d", name, i)},
				Client:     client.CoordinationV1(),
				LockConfig: resourcelock.ResourceLockConfig{Identity: ident},
			},
			LeaseDuration:   t.leaseDuration,
			RenewDeadline:   t.renewDeadline,
			RetryPeriod:     t.retryPeriod,
			ReleaseOnCancel: true,
			Name:            ident,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) {
					if leading.Add(1) == int64(m) {
						settleOnce.Do(func() { close(settled) })
					}
				},
				OnStoppedLeading: func() {
					// Also called on the way out after a release; count only losses.
					leading.Add(-1)
					if ctx.Err() == nil {
						lost.Add(1)
						line("lost", nil)
					}
				},
			},
		})
		if err != nil {
			return err
		}
		electors = append(electors, le)
	}
	var wg sync.WaitGroup
	for _, le := range electors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			le.Run(ctx)
		}()
	}

	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	waitSettled := settled
	for {
		select {
		case <-waitSettled:
			ms := time.Since(start).Milliseconds()
			line("settled", &ms)
			waitSettled = nil
		case <-ticker.C:
			line("progress", nil)
		case <-done:
			return nil
		}
	}
}
