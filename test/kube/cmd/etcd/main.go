// Command etcd is upstream's go.etcd.io/etcd/server/v3 main.go, built from
// this module (etcd's own modules use replace directives, so `go install`
// of the server module does not work).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
