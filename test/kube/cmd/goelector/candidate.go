package main

// --candidate mode: client-go's coordinated leader election, as kube-controller-manager
// runs it when the CoordinatedLeaderElection gate is on. leaderelection.NewCandidate
// publishes a coordination.k8s.io/v1beta1 LeaseCandidate named after the identity (with
// --binary-version, --emulation-version and the OldestEmulationVersion strategy) and answers
// the coordinator's pings; the elector runs with Coordinated: true, so it never creates or
// takes the Lease itself: it leads once kube-apiserver's coordinator writes its identity as
// holder, and stops renewing (losing the Lease after RenewDeadline) once the coordinator sets
// preferredHolder to another candidate.

import (
	"context"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

type candidateOptions struct {
	binaryVersion, emulationVersion string
}

func runCandidate(ctx context.Context, client kubernetes.Interface, namespace, name, id string, t timing, o candidateOptions) error {
	if o.binaryVersion == "" {
		return fmt.Errorf("--candidate needs --binary-version")
	}
	emulation := o.emulationVersion
	if emulation == "" {
		emulation = o.binaryVersion
	}
	candidate, synced, err := leaderelection.NewCandidate(client, namespace, id, name,
		o.binaryVersion, emulation, coordinationv1.OldestEmulationVersion)
	if err != nil {
		return err
	}
	go candidate.Run(ctx)
	synced.WaitForCacheSync(ctx.Done())
	emit(event{Type: "candidate", Identity: id})

	lock := &tracingLock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: namespace, Name: name},
			Client:     client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: id},
		},
		id: id,
	}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   t.leaseDuration,
		RenewDeadline:   t.renewDeadline,
		RetryPeriod:     t.retryPeriod,
		ReleaseOnCancel: true,
		Name:            name,
		Coordinated:     true,
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
		return err
	}
	le.Run(ctx)
	// Run returns when leadership was lost (or ctx ended); stay a published candidate until
	// told to stop, as a process that restarts its elector would.
	<-ctx.Done()
	return nil
}
