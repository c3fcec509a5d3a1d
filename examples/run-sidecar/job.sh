#!/bin/sh
# The job leasehold runs while this replica leads. It stands for any command that must not
# run twice at once: it gets the term's fencing token and must stop promptly on SIGTERM.
set -eu
token="${LEASEHOLD_FENCING_TOKEN:?run me under leasehold run}"
echo "job: started by ${LEASEHOLD_IDENTITY:-?} with fencing token $token"
trap 'echo "job: SIGTERM, stopping (token $token)"; exit 0' TERM
while :; do
  echo "job: working (token $token)"
  sleep "${JOB_INTERVAL_SECONDS:-5}" &
  wait $! # wait, not sleep alone: the trap runs as soon as SIGTERM arrives
done
