#!/bin/sh
# Run the job named by PAROPT_JOB_ID; the runner reports to Step Functions itself.
set -e
cd /opt/paropt
exec python -m paropt.runner "$@"
